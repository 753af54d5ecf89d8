/*
 * Runs s3rver (a real S3-compatible server) in its own process for server/demo/s3/server.ts. Its own process
 * because s3rver signs ListObjectsV2 continuation tokens with DES, which Node's OpenSSL 3 offers only with
 * --openssl-legacy-provider; that flag is not one the Opsbook server itself should run with.
 * argv[2]: JSON {directory, buckets}. Prints {"port": N} once listening; exits when its stdin closes, so it
 * never outlives the process that started it.
 */
const S3rver = require('s3rver');

const { directory, buckets } = JSON.parse(process.argv[2]);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
server.run().then(
  (address) => process.stdout.write(`${JSON.stringify({ port: address.port })}\n`),
  (error) => {
    process.stderr.write(`s3rver did not start: ${error.message}\n`);
    process.exit(1);
  },
);
const stop = () => server.close().finally(() => process.exit(0));
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
