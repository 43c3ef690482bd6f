// Public surface of the Dockerfile parser.
export { parseDockerfile, MAX_LINE_BYTES, type ParseOptions, type ParseResult, type Warning } from './parser.ts';
export { dumpAst, type DumpableNode } from './dump.ts';
export { DockerfileParseError, type ParseErrorLocation } from './errors.ts';
export { argValues, onbuildChild, type ArgNode, type InstructionNode, type Node, type RootNode } from './node.ts';
export { chompHeredocContent, heredocsFromLine, parseHeredoc, type Heredoc } from './heredoc.ts';
export { parseWords } from './words.ts';
export { parseJsonArray, NOT_STRING_ARRAY, type JsonArrayResult } from './json-array.ts';
export { goQuote, goQuoteSlice } from './go-quote.ts';
export { isKnownKeyword } from './line-parsers.ts';
export type { Directive, DirectiveName, ParsedDirectives } from './directives.ts';
