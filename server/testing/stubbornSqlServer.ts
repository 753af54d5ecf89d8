/**
 * Test only, loaded into a server child process with `--import` (ServerProcess.start's `imports`): the
 * SQL Server connector is replaced by stubbornSqlServer.connector.ts, whose runs never end and which
 * ignores their cancel. The real connectors all give up a wait on cancel, so this is what still proves
 * the shutdown's hard exit: the process leaves within its budget and the run is recorded interrupted,
 * never left running. The swap is a module resolution hook, so no server code knows about it.
 */
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

register('./stubbornSqlServer.hooks.mjs', pathToFileURL(__filename));
