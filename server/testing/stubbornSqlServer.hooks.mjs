// Test only (see stubbornSqlServer.ts): a module resolution hook that sends the registry's import of the
// SQL Server connector to the stubborn test connector. Plain JavaScript: hooks run on the loader's thread.
const CONNECTOR = /\/server\/connectors\/sqlserver\/index(\.ts)?$/;
const STUB = new URL('./stubbornSqlServer.connector.ts', import.meta.url).href;

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (CONNECTOR.test(new URL(resolved.url).pathname)) return { ...resolved, url: STUB, shortCircuit: true };
  return resolved;
}
