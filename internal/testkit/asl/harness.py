"""Runs Amazon States Language definitions in moto's Step Functions interpreter
(moto.stepfunctions.parser, ported from LocalStack), in process under mock_aws,
with every lambda:invoke of a registered function served by a real function
under the AWS Lambda Runtime Interface Emulator (RIE) over HTTP.

A worker: it imports moto once (seconds of CPU), answers {"ready": true} on
file descriptor 3, then runs jobs, one JSON request a line on stdin:
{"id": n, "job": J}. Each job runs in a thread of its own, so jobs overlap,
and is answered on file descriptor 3 with {"id": n, "result": R} or
{"id": n, "error": traceback}. It exits when stdin ends (its test binary is
gone). Answers go to file descriptor 3 so that nothing moto prints on stdout
can garble them.

Job J:
  {"functions": {"audit": "http://127.0.0.1:port/2015-03-31/functions/function/invocations"},
   "machines": {"m1": {"definition": "<ASL text>", "substitutions": {"K": "V"}}},
   "lambdaFaults": {"ServiceException": 1},
   "phases": [[{"machine": "m1", "name": "a", "input": "{}", "delayMs": 0}, ...], ...]}
Substitutions replace ${K} in the definition (CloudFormation's DefinitionSubstitutions);
${<Name>FunctionArn} of each function is added. Executions of a phase start in order
(delayMs after the previous start); a phase ends when all its executions have
ended. lambdaFaults makes the first N Lambda Invoke calls of the job's functions
answer with that Lambda service error (HTTP 500) before the function is reached.
Jobs share one mocked account: a job's functions and state machines are created
under names prefixed "j<id>-", so that no job sees another's (ListExecutions lists
one state machine's executions); execution names are as given.

Result R: {"executions": [{"name", "arn", "status", "output", "error", "cause",
"states": [entered state names in order]}], "invokes": [{"payload", "result",
"functionError"}], "faults": n}.

Three changes to moto 5.2.1 are made here, all outside the interpreter's logic
(besides these, for speed only: parsed JSONPaths and jsonpath_ng's parser
tables are built once, and botocore's data directories are listed once for
every boto3 session; see below):
  - Execution objects are not deep-copied when a second execution starts while
    one runs (moto deep-copies the state machine, executions included, and a
    running execution holds a thread lock: TypeError: cannot pickle
    '_thread.RLock').
  - The aws-sdk integration's request and response normalisation, a no-op in
    moto's port, is restored with the shape-based normalisers moto ships
    (_to_boto_request, _from_boto_response), as LocalStack does: PascalCase
    parameters such as StateMachineArn reach botocore as stateMachineArn (AWS
    documents PascalCase parameters for these integrations, with exactly this
    example: https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html),
    and the response comes back PascalCase (Executions[].ExecutionArn). AWS does
    not document the response casing; this is LocalStack's mapping.
  - A Retry's wait between attempts (IntervalSeconds, BackoffRate, MaxDelaySeconds,
    computed by the interpreter) is slept RETRY_TIME_SCALE times as long: the tests
    check that a retry happens and what follows, and a 2 s interval would only add
    to every run. The wait's length is logged on stderr.
"""
import functools
import json
import os
import sys
import threading
import time
import traceback
import urllib.request

answers = os.fdopen(3, "w")
answer_lock = threading.Lock()


def answer(obj):
    with answer_lock:
        answers.write(json.dumps(obj) + "\n")
        answers.flush()


# moto's interpreter imports its AWS Batch task (state_task_service_batch) whatever a definition
# uses, and that imports moto.batch, whose models import moto.ec2: three boto3 Sessions built to
# list EC2's Regions and a table of instance types, 1.3 s of CPU of the harness's 2 s start. The
# definitions run here have no Batch task; a stand-in takes the module's place and fails any that
# does, loudly.
_BATCH = "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_batch"


class _NoBatchTask:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("the asl harness does not run AWS Batch tasks (" + _BATCH + " is not loaded)")


sys.modules[_BATCH] = type(sys)(_BATCH)
sys.modules[_BATCH].StateTaskServiceBatch = _NoBatchTask

import boto3
from moto import mock_aws
from moto.awslambda import models as lambda_models
from moto.core.exceptions import JsonRESTError
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (
    StateTaskServiceAwsSdk,
)
from moto.stepfunctions.parser.asl.utils import json_path
from moto.stepfunctions.parser.backend.execution import Execution
import botocore.session as botocore_session
import jsonpath_ng._ply.yacc as jsonpath_yacc

REGION = "us-east-1"
RETRY_TIME_SCALE = 0.25
T0 = time.time()


def log(msg):
    sys.stderr.write("%.2f %s\n" % (time.time() - T0, msg))
    sys.stderr.flush()


class JobState:
    def __init__(self, jid, job):
        self.id = jid
        self.prefix = "j%d-" % jid
        self.lock = threading.Lock()
        self.invokes = []
        self.faults_left = dict(job.get("lambdaFaults") or {})
        self.faults_made = 0
        self.urls = {}  # function name (prefixed) -> RIE invoke URL


jobs_by_function = {}  # prefixed function name -> JobState
invoke_locks = {}  # prefixed function name -> lock: an RIE serves one invoke at a time


class LambdaServiceError(JsonRESTError):
    code = 500


def function_name_of(name_or_arn):
    # FunctionName may be a name or an ARN (arn:aws:lambda:region:account:function:name[:qualifier]).
    if name_or_arn.startswith("arn:"):
        return name_or_arn.split(":")[6]
    return name_or_arn


def invoke_via_rie(self, event=None):
    job = jobs_by_function[self.function_name]
    body = event if isinstance(event, str) else json.dumps(event)
    log("j%d invoke start" % job.id)
    req = urllib.request.Request(
        job.urls[self.function_name], data=body.encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )
    with invoke_locks[self.function_name]:
        try:
            with urllib.request.urlopen(req, timeout=900) as resp:
                out = resp.read().decode()
        except OSError as e:
            raise RuntimeError("invoke %s at %s: %s" % (self.function_name, req.full_url, e)) from e
    # The RIE answers a handler error with HTTP 200 and {"errorMessage", "errorType"},
    # a timeout with the plain text "Task timed out after N.00 seconds".
    errored = False
    try:
        parsed = json.loads(out)
        errored = isinstance(parsed, dict) and set(parsed) >= {"errorMessage", "errorType"}
    except ValueError:
        errored = True
        out = json.dumps({"errorType": "Sandbox.Timedout", "errorMessage": out})
    log("j%d invoke done" % job.id)
    with job.lock:
        job.invokes.append({"payload": json.loads(body), "result": json.loads(out), "functionError": errored})
    return out, errored, ""


original_backend_invoke = lambda_models.LambdaBackend.invoke


def invoke_with_faults(self, function_name, qualifier, body, headers, response_headers):
    job = jobs_by_function[function_name_of(function_name)]
    log("j%d Invoke API call" % job.id)
    with job.lock:
        for code, n in job.faults_left.items():
            if n > 0:
                job.faults_left[code] = n - 1
                job.faults_made += 1
                raise LambdaServiceError(code, "injected by the test harness")
    return original_backend_invoke(self, function_name, qualifier, body, headers, response_headers)


def normalise_parameters(self, parameters, boto_service_name=None, service_action_name=None):
    shape = self_operation(self, boto_service_name, service_action_name).input_shape
    if shape is not None:
        self._to_boto_request(parameters, shape)


def normalise_response(self, response, boto_service_name=None, service_action_name=None):
    shape = self_operation(self, boto_service_name, service_action_name).output_shape
    if shape is not None:
        self._from_boto_response(response, shape)


def self_operation(task, boto_service_name, service_action_name):
    service = task._get_boto_service_name(boto_service_name=boto_service_name)
    action = service_action_name or task.resource.api_action
    return service_model(service).operation_model(action[0].upper() + action[1:])


@functools.lru_cache(maxsize=None)
def service_model(service):
    # One client per service: building a boto3 session and client costs a tenth of a second of
    # CPU, and every aws-sdk task normalises its request and its response.
    return boto3.session.Session().client(service, region_name=REGION).meta.service_model


class ScaledTime:
    """The time module as retrier_decl sees it: sleep is RETRY_TIME_SCALE times as long."""

    def __getattr__(self, name):
        return getattr(time, name)

    @staticmethod
    def sleep(seconds):
        log("retry wait of %.2f s, slept %.2f s" % (seconds, seconds * RETRY_TIME_SCALE))
        time.sleep(seconds * RETRY_TIME_SCALE)


lambda_models.LambdaFunction._invoke_lambda = invoke_via_rie
lambda_models.LambdaBackend.invoke = invoke_with_faults
Execution.__deepcopy__ = lambda self, memo: self
StateTaskServiceAwsSdk._normalise_parameters = normalise_parameters
StateTaskServiceAwsSdk._normalise_response = normalise_response
retrier_decl.time = ScaledTime()
# jsonpath_ng's parse() builds a new LALR parser, tables included, on every call; the interpreter
# parses its JSONPaths again at every state it evaluates. Parsed paths are not modified by finding
# or updating with them, so one parse per distinct path serves them all.
json_path.parse = functools.lru_cache(maxsize=None)(json_path.parse)
result_path.parse = functools.lru_cache(maxsize=None)(result_path.parse)
# And the parser itself: each of those parses builds its LALR tables again (70 ms of CPU), for
# every distinct path and for the paths the interpreter parses elsewhere. The grammar of a parser
# class never changes and its actions keep no state, so each thread builds one parser per class
# and reuses it (one per thread: a PLY parser keeps its stacks on itself while it parses).
_yacc_build = jsonpath_yacc.yacc
_yacc_built = threading.local()


def _yacc_once(*args, module=None, **kwargs):
    built = _yacc_built.__dict__.setdefault("parsers", {})
    key = (type(module), kwargs.get("start"), kwargs.get("debug"))
    if key not in built:
        built[key] = _yacc_build(*args, module=module, **kwargs)
    return built[key]


jsonpath_yacc.yacc = _yacc_once
# boto3 sessions, which moto and the aws-sdk tasks create over and over, each list botocore's data
# directories again (thousands of stat and listdir calls) to learn its services and Regions. The
# data is the installed botocore's and does not change while the harness runs: one loader serves
# every session.
botocore_session.create_loader = functools.lru_cache(maxsize=None)(botocore_session.create_loader)


def entered_states(sfn, arn):
    names = []
    for e in sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]:
        d = e.get("stateEnteredEventDetails")
        if d:
            names.append(d["name"])
    return names


def run(jid, job, clients):
    state = JobState(jid, job)
    role, lam, sfn = clients["role"], clients["lambda"], clients["stepfunctions"]
    subs = {}
    for name, url in job["functions"].items():
        full = state.prefix + name
        state.urls[full] = url
        jobs_by_function[full] = state
        invoke_locks[full] = threading.Lock()
        arn = lam.create_function(FunctionName=full, Runtime="provided.al2023", Role=role,
                                  Handler="bootstrap", Code={"ZipFile": b"bootstrap"})["FunctionArn"]
        subs[name[0].upper() + name[1:] + "FunctionArn"] = arn
    machines = {}
    for key, m in job["machines"].items():
        definition = m["definition"]
        for k, v in {**subs, **m.get("substitutions", {})}.items():
            definition = definition.replace("${%s}" % k, v)
        machines[key] = sfn.create_state_machine(
            name=state.prefix + key, definition=definition, roleArn=role)["stateMachineArn"]
    log("j%d machines created" % jid)
    results = []
    for phase in job["phases"]:
        arns = []
        for ex in phase:
            time.sleep(ex.get("delayMs", 0) / 1000)
            arns.append((ex["name"], sfn.start_execution(
                stateMachineArn=machines[ex["machine"]], name=ex["name"], input=ex.get("input", "{}"))["executionArn"]))
        for name, arn in arns:
            while True:
                d = sfn.describe_execution(executionArn=arn)
                if d["status"] != "RUNNING":
                    break
                # Each poll is a whole API call through moto; polling often takes the GIL from
                # the interpreter threads it waits for.
                time.sleep(0.2)
            log("j%d %s ended" % (jid, name))
            results.append({
                "name": name, "arn": arn, "status": d["status"], "output": d.get("output"),
                "error": d.get("error"), "cause": d.get("cause"), "states": entered_states(sfn, arn),
            })
    return {"executions": results, "invokes": state.invokes, "faults": state.faults_made}


def serve(jid, job, clients):
    try:
        answer({"id": jid, "result": run(jid, job, clients)})
    except Exception:
        answer({"id": jid, "error": traceback.format_exc()})


def main():
    mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
    mock.start()
    iam = boto3.client("iam", region_name=REGION)
    # One role and one client per service for every job: boto3's clients are thread-safe, and
    # building one costs a tenth of a second of CPU.
    clients = {
        "role": iam.create_role(RoleName="harness", AssumeRolePolicyDocument="{}")["Role"]["Arn"],
        "lambda": boto3.client("lambda", region_name=REGION),
        "stepfunctions": boto3.client("stepfunctions", region_name=REGION),
    }
    answer({"ready": True})
    # The definitions' aws-sdk tasks (ListExecutions) need botocore's Step Functions model; loading
    # it takes a few tenths of a second, better spent before the first execution than in it.
    threading.Thread(target=service_model, args=("stepfunctions",), daemon=True).start()
    for line in sys.stdin:
        req = json.loads(line)
        threading.Thread(target=serve, args=(req["id"], req["job"], clients), daemon=True).start()
    # stdin ended: the test binary is gone (or done); running jobs have no one to answer.
    os._exit(0)


main()
