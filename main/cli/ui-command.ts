// strata ui: the web server, loaded only by this command.
import { startWebServer } from '../web/server.ts';
import { rendererDir } from '../util/paths.ts';
import { opts, UsageError, type Out } from './args.ts';
import { openEngine } from './open-engine.ts';
import { startEngine } from './engine-server.ts';
import { defaultStrataHome } from '../store/home.ts';

/** ui serves the Strata UI in a browser on 127.0.0.1 (strata ui). */
export async function ui(args: string[], io: Out): Promise<number> {
  const { values } = opts(args, { port: { type: 'string' } });
  const port = values.port ? Number(values.port) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not "${values.port}"`);
  const engine = await openEngine('browser');
  const web = await startWebServer(engine, { port, rendererDir: rendererDir() });
  io.out(`Strata UI (browser mode) at ${web.url}\n`);
  // While it is open, strata commands for this store run in this process too, as with `strata engine`
  // (unless an engine already serves the store: then they go there).
  const cli = await startEngine(defaultStrataHome()).catch((e: Error) => {
    io.err(`strata commands keep running on their own: ${e.message}\n`);
    return null;
  });
  if (cli) io.out(`strata commands for this store run in this process (${cli.socketPath})\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await cli?.close();
  await web.close();
  engine.close(); // lets the context watchers go
  await engine.settle(); // finished builds' scratch roots and mounts
  return 0;
}
