import { useLayoutEffect, useRef, useState, type RefObject } from 'react';
import { STAGE_STATUS_TEXT } from './format-build.ts';
import { columnCount, fitSizes, layoutGraph, type GraphNode, type LayoutSizes, type StageGraph } from './stage-graph.ts';

/** useWidth is an element's content width, following resizes. */
function useWidth<T extends HTMLElement>(): [RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

function statusText(node: GraphNode): string {
  if (node.status === 'idle') return node.needed ? '' : 'not needed';
  return STAGE_STATUS_TEXT[node.status];
}

function StageBox({ node, x, y, sizes }: { node: GraphNode; x: number; y: number; sizes: LayoutSizes }) {
  const s = node.steps;
  const pct = s && s.total ? (s.finished / s.total) * 100 : 0;
  const state = node.status === 'idle' ? (node.needed ? 'idle' : 'unneeded') : node.status;
  const text = statusText(node);
  const fromTitle = node.baseImage && node.baseImage !== node.base ? `FROM ${node.base} (${node.baseImage} with the default build args)` : `FROM ${node.base}`;
  return (
    <div
      className={`stage-node stage-node--${state}${node.target ? ' stage-node--target' : ''}`}
      style={{ left: x, top: y, width: sizes.nodeWidth, height: sizes.nodeHeight }}
      data-testid="stage-node"
      data-stage={node.label}
      data-status={node.status}
      data-needed={node.needed}
      data-target={node.target}
      aria-label={`Stage ${node.label}${node.target ? ', the target' : ''}${text ? `, ${text}` : ''}`}
      role="listitem"
    >
      <div className="stage-node__head">
        <span className="stage-node__name" title={node.label}>
          {node.label}
        </span>
        {node.target && <span className="stage-node__target">target</span>}
      </div>
      <code className="stage-node__from" title={fromTitle}>
        FROM {node.base}
      </code>
      <div className="stage-node__foot">
        {text && (
          <span className="stage-node__status" data-testid="stage-status">
            {node.status === 'running' && <i className="stage-node__pulse" aria-hidden="true" />}
            {text}
          </span>
        )}
        {s && node.status !== 'skipped' && (
          <>
            <span className="stage-node__bar" aria-hidden="true">
              <span className="stage-node__bar-fill" style={{ width: `${pct}%` }} />
            </span>
            <span className="stage-node__count" data-testid="stage-steps" title={`${s.finished} of ${s.total} steps finished, ${s.cached} from the cache`}>
              {s.finished}/{s.total}
            </span>
          </>
        )}
      </div>
    </div>
  );
}

/** StageGraphView draws the stages as a layered DAG: edges for FROM <stage> (solid) and COPY --from
 * (dashed), the target marked, stages it does not need faded; during a build each node shows its status.
 * Nodes narrow to fit the panel; past a minimum width the graph scrolls. */
export function StageGraphView({ graph }: { graph: StageGraph }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const sizes = fitSizes(columnCount(graph.nodes, graph.edges), width);
  const layout = layoutGraph(graph.nodes, graph.edges, sizes);
  const byIndex = new Map(graph.nodes.map((n) => [n.index, n]));
  return (
    <div className="graph-scroll" ref={ref}>
      <div className="graph" style={{ width: layout.width, height: layout.height }} data-testid="stage-graph" role="list" aria-label="Stages">
        <svg className="graph__edges" width={layout.width} height={layout.height} aria-hidden="true">
          <defs>
            <marker id="graph-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0 0 8 4 0 8Z" className="graph__arrow" />
            </marker>
            <marker id="graph-arrow-copy" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0 0 8 4 0 8Z" className="graph__arrow graph__arrow--copy" />
            </marker>
          </defs>
          {layout.edges.map((e) => {
            const from = byIndex.get(e.from);
            const to = byIndex.get(e.to);
            const kind = e.via.includes('FROM') ? 'from' : 'copy';
            return (
              <g key={`${e.from}-${e.to}`} data-testid="stage-edge" data-from={from?.label} data-to={to?.label} data-via={e.via.join(',')}>
                <title>{`${to?.label} reads ${from?.label} (${e.via.join(', ')})`}</title>
                <path d={e.path} className={`graph__edge graph__edge--${kind}${to?.needed === false ? ' graph__edge--skipped' : ''}`} markerEnd={`url(#graph-arrow${kind === 'copy' ? '-copy' : ''})`} />
              </g>
            );
          })}
        </svg>
        {layout.boxes.map((b) => {
          const node = byIndex.get(b.index);
          return node ? <StageBox key={b.index} node={node} x={b.x} y={b.y} sizes={sizes} /> : null;
        })}
      </div>
    </div>
  );
}
