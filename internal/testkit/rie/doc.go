// Package rie runs a function's real bootstrap binary under the real AWS Lambda Runtime
// Interface Emulator (RIE), without Docker, so end-to-end tests exercise exactly what SAM deploys:
// aws-lambda-go's runtime loop, the Runtime API, the environment and stdout/stderr logging.
//
// The RIE is the `tool` pinned in go.mod (github.com/aws/aws-lambda-runtime-interface-emulator,
// cmd/aws-lambda-rie). What this package relies on, read from that source (internal/lambda/rie):
//
//   - `aws-lambda-rie [--log-level L] --runtime-api-address H:P --runtime-interface-emulator-address H:P
//     /abs/bootstrap` execs the bootstrap itself (args[1:] are the command; a third argument would be
//     taken as the handler name), with the RIE's working directory as its cwd.
//   - The bootstrap is started lazily, by the first invoke ("Init" happens inside the first request),
//     so the cold start a caller sees is RIE process start to first response, not "RIE ready".
//   - The function's environment is the RIE's own environment (os.Environ is forwarded as customer
//     variables) plus AWS_LAMBDA_* defaults; AWS_LAMBDA_RUNTIME_API is always the
//     --runtime-api-address, whatever the caller sets. AWS_LAMBDA_FUNCTION_TIMEOUT (whole seconds,
//     default 300) sets the invoke deadline. The invoked function ARN is always
//     arn:aws:lambda:us-east-1:012345678912:function:<AWS_LAMBDA_FUNCTION_NAME|test_function>.
//   - The RIE reads LOG_LEVEL for its own verbosity unless --log-level is given; our functions use
//     LOG_LEVEL too, so Start always passes --log-level.
//   - If AWS_LAMBDA_MAX_CONCURRENCY is set, the binary switches to the Lambda Managed Instances
//     emulator (concurrent invokes, a different code path). Start refuses that variable.
//   - Invokes go to POST /2015-03-31/functions/function/invocations and must not overlap: a second
//     concurrent request fails to reserve the sandbox (HTTP 400). Function.Invoke serialises them.
//   - A handler error comes back as HTTP 200 with {"errorMessage","errorType"} and NO
//     X-Amz-Function-Error header (the RIE's ResponseWriterProxy drops every header). A crashed
//     runtime is HTTP 502 with errorType Runtime.ExitError, and the next invoke starts it again. A
//     timeout is HTTP 200 with the plain text "Task timed out after N.00 seconds". Invoke turns all
//     three into a *FunctionError.
//   - The function's stdout and stderr both go to the RIE's stdout, between the RIE's START/END/REPORT
//     lines; the RIE's own diagnostics go to its stderr. Function.Logs returns the former. The RIE
//     takes the invoke ID from the X-Amzn-RequestId header; Invoke sets one and, after a 200, waits
//     for that invoke's REPORT line, so Logs holds everything the function wrote before answering.
//   - The RIE's "Init Duration" covers only its own Init call, which returns before the bootstrap
//     runs; cold start is measured from the outside instead (Function.ColdStart, MeasureColdStart).
package rie
