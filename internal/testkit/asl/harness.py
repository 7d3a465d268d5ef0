"""Runs Amazon States Language definitions in moto's Step Functions interpreter
(moto.stepfunctions.parser, ported from LocalStack), in process under mock_aws,
with every lambda:invoke of a registered function served by a real function
under the AWS Lambda Runtime Interface Emulator (RIE) over HTTP.

Job (stdin, JSON):
  {"functions": {"audit": "http://127.0.0.1:port/2015-03-31/functions/function/invocations"},
   "machines": {"m1": {"definition": "<ASL text>", "substitutions": {"K": "V"}}},
   "lambdaFaults": {"ServiceException": 1},
   "phases": [[{"machine": "m1", "name": "a", "input": "{}", "delayMs": 0}, ...], ...]}
Substitutions replace ${K} in the definition (CloudFormation's DefinitionSubstitutions);
${<name>Arn} of each function is added. Executions of a phase start in order
(delayMs after the previous start); a phase ends when all its executions have
ended. lambdaFaults makes the first N Lambda Invoke calls answer with that
Lambda service error (HTTP 500) before the function is reached.

Result (stdout, JSON): {"executions": [{"name", "status", "output", "error",
"cause", "states": [entered state names in order]}], "invokes": [{"payload",
"result", "functionError"}], "faults": n}.

Two changes to moto 5.2.1 are made here, both outside the interpreter's logic:
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
"""
import functools
import json
import sys
import threading
import time
import urllib.request

import boto3
from moto import mock_aws
from moto.awslambda import models as lambda_models
from moto.core.exceptions import JsonRESTError
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (
    StateTaskServiceAwsSdk,
)
from moto.stepfunctions.parser.backend.execution import Execution

REGION = "us-east-1"

T0 = time.time()
job = json.load(sys.stdin)
invokes = []
invoke_lock = threading.Lock()  # the RIE serves one invoke at a time
faults_left = dict(job.get("lambdaFaults") or {})
faults_made = 0
function_urls = {}  # function name -> RIE invoke URL


class LambdaServiceError(JsonRESTError):
    code = 500


def invoke_via_rie(self, event=None):
    body = event if isinstance(event, str) else json.dumps(event)
    sys.stderr.write("%.2f invoke start\n" % (time.time() - T0))
    req = urllib.request.Request(
        function_urls[self.function_name], data=body.encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )
    with invoke_lock:
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
    sys.stderr.write("%.2f invoke done\n" % (time.time() - T0))
    invokes.append({"payload": json.loads(body), "result": json.loads(out), "functionError": errored})
    return out, errored, ""


original_backend_invoke = lambda_models.LambdaBackend.invoke


def invoke_with_faults(self, function_name, qualifier, body, headers, response_headers):
    global faults_made
    sys.stderr.write("%.2f Invoke API call\n" % (time.time() - T0))
    for code, n in faults_left.items():
        if n > 0:
            faults_left[code] = n - 1
            faults_made += 1
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


lambda_models.LambdaFunction._invoke_lambda = invoke_via_rie
lambda_models.LambdaBackend.invoke = invoke_with_faults
Execution.__deepcopy__ = lambda self, memo: self
StateTaskServiceAwsSdk._normalise_parameters = normalise_parameters
StateTaskServiceAwsSdk._normalise_response = normalise_response


def entered_states(sfn, arn):
    names = []
    for e in sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]:
        d = e.get("stateEnteredEventDetails")
        if d:
            names.append(d["name"])
    return names


@mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
def main():
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName="harness", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam = boto3.client("lambda", region_name=REGION)
    subs = {}
    for name, url in job["functions"].items():
        arn = lam.create_function(FunctionName=name, Runtime="provided.al2023", Role=role,
                                  Handler="bootstrap", Code={"ZipFile": b"bootstrap"})["FunctionArn"]
        function_urls[name] = url
        subs[name[0].upper() + name[1:] + "FunctionArn"] = arn
    sfn = boto3.client("stepfunctions", region_name=REGION)
    machines = {}
    for key, m in job["machines"].items():
        definition = m["definition"]
        for k, v in {**subs, **m.get("substitutions", {})}.items():
            definition = definition.replace("${%s}" % k, v)
        machines[key] = sfn.create_state_machine(name=key, definition=definition, roleArn=role)["stateMachineArn"]
    sys.stderr.write("%.2f machines created\n" % (time.time() - T0))
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
            sys.stderr.write("%.2f %s ended\n" % (time.time() - T0, name))
            results.append({
                "name": name, "status": d["status"], "output": d.get("output"),
                "error": d.get("error"), "cause": d.get("cause"), "states": entered_states(sfn, arn),
            })
    json.dump({"executions": results, "invokes": invokes, "faults": faults_made}, sys.stdout)


main()
