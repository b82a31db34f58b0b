/**
 * One JSON line per request, with the fields of the AWS access log format (serverless.yml's
 * `$context.*` variables), to stdout or to a file (ACCESS_LOG=path). Never a key: the key id and
 * owner come from the authorizer's context, as in AWS.
 */
import { createWriteStream, type WriteStream } from 'node:fs';

/**
 * The fields and names of serverless.yml's access log (scripts/serverless/config.js), as strings the
 * way API Gateway renders `$context` variables, "-" when a value does not apply.
 */
export interface AccessLogEntry {
  requestId: string; //          $context.requestId
  ip: string; //                 $context.identity.sourceIp
  userAgent: string; //          $context.identity.userAgent
  requestTime: string; //        $context.requestTime
  httpMethod: string; //         $context.httpMethod
  path: string; //               $context.path
  routeKey: string; //           $context.routeKey
  status: string; //             $context.status
  protocol: string; //           $context.protocol
  responseLength: string; //     $context.responseLength
  responseLatency: string; //    $context.responseLatency (ms)
  integrationStatus: string; //  $context.integrationStatus
  integrationLatency: string; // $context.integrationLatency (ms)
  integrationError: string; //   $context.integrationErrorMessage
  keyId: string; //              $context.authorizer.keyId
  owner: string; //              $context.authorizer.owner
  iamUser: string; //            $context.identity.userArn (admin routes)
  authorizerError: string; //    $context.authorizer.error
  error: string; //              $context.error.message
  /** Local only: whether this request invoked the authorizer (false: a cached answer, or none needed). */
  authorizerInvoked: boolean;
}

export interface AccessLog {
  write(entry: AccessLogEntry): void;
  close(): Promise<void>;
}

export function createAccessLog(path?: string): AccessLog {
  if (!path) {
    return { write: (entry) => process.stdout.write(`${JSON.stringify(entry)}\n`), close: async () => undefined };
  }
  const stream: WriteStream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  return {
    write: (entry) => stream.write(`${JSON.stringify(entry)}\n`),
    close: () => new Promise((resolve) => stream.end(resolve)),
  };
}
