"""moto worker for the templatetest package (see worker_test.go).

Requests, one JSON object a line on stdin; one JSON answer a line on file descriptor 3:
  {"op": "match", "jobs": [{"pattern": P, "events": [...]}, ...]}  moto's EventBridge pattern
      matcher (moto.events.models.EventPattern, the matcher behind moto's PutEvents) on each event:
      {"verdicts": [[bool, ...], ...]}
  {"op": "prepare"}  starts importing what the rollout needs (boto3, moto's mock and its backends)
      in the background, and answers at once: {}
  {"op": "rollout", "job": J}  the StackSet rollout below: {"result": ...}
An exception answers {"error": traceback}.

The rollout rolls a StackSet out in moto (mock_aws): an organisation with two member accounts in
one organisational unit, an artifact bucket per Region holding the code key, then the README's
create-stack-set (service-managed, automatic deployment) and create-stack-instances (the
organisational unit, two Regions, failure tolerance and concurrency). moto creates each instance's
resources in its account and Region. It returns, per instance, what the functions see; per account,
its IAM role names (global across Regions); and the error of a second rollout whose template is
given a fixed role name.

moto 5.2 lacks two things CloudFormation does for AWS::SSM::Parameter
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ssm-parameter.html):
a generated name when Name is left out, and Tags as a key-value object. The patch below gives it
both. A second patch reads a JSON template as JSON: moto hands every template to PyYAML's pure-Python
loader first (JSON is YAML), which took 0.28 s of CPU per stack here, 2 s of the rollout; CloudFormation
itself takes a template in either format
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-formats.html), and a body
that is not JSON still goes to moto's own parser. Nothing else is changed.
"""
import functools
import json
import os
import sys
import threading
import traceback

answers = os.fdopen(3, "w")


def answer(obj):
    answers.write(json.dumps(obj) + "\n")
    answers.flush()


from moto.events.models import EventPattern

answer({"ready": True})


def match(req):
    out = []
    for job in req["jobs"]:
        pattern = EventPattern.load(json.dumps(job["pattern"]))
        out.append([bool(pattern.matches_event(e)) for e in job["events"]])
    return {"verdicts": out}


rollout_modules = {}


def load_rollout_modules():
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    # Every boto3 session (moto makes one for each account and Region it first serves) would list
    # botocore's data directories again to learn its services and Regions; the installed data does
    # not change while the worker runs, so one loader serves them all (0.5 s of CPU a rollout).
    import botocore.session
    botocore.session.create_loader = functools.lru_cache(maxsize=None)(botocore.session.create_loader)
    import boto3
    from moto import mock_aws
    from moto.ssm import models as ssmm

    _create = ssmm.Parameter.create_from_cloudformation_json.__func__

    def _cfn_parameter(cls, resource_name, cloudformation_json, account_id, region_name, **kw):
        props = cloudformation_json["Properties"]
        props.setdefault("Name", resource_name)
        if isinstance(props.get("Tags"), dict):
            props["Tags"] = [{"Key": k, "Value": v} for k, v in props["Tags"].items()]
        return _create(cls, resource_name, cloudformation_json, account_id, region_name, **kw)

    ssmm.Parameter.create_from_cloudformation_json = classmethod(_cfn_parameter)

    from moto.cloudformation import models as cfnm

    _parse = cfnm.Stack.parse_template

    def _parse_json_first(template):
        try:
            return json.loads(template)
        except ValueError:
            return _parse(template)

    cfnm.Stack.parse_template = staticmethod(_parse_json_first)
    rollout_modules.update(boto3=boto3, mock_aws=mock_aws)


loader = threading.Thread(target=load_rollout_modules, daemon=True)


def prepare(req):
    if loader.ident is None:
        loader.start()
    return {}


def rollout_job(req):
    prepare(req)
    loader.join()
    if not rollout_modules:
        raise RuntimeError("importing boto3 and moto's mock failed (see the worker's stderr)")
    boto3, mock_aws = rollout_modules["boto3"], rollout_modules["mock_aws"]
    job = req["job"]
    regions = ["us-east-1", "eu-west-1"]

    # One client per service and Region for both rollouts (building one costs ~30 ms); moto's
    # mock answers whichever client asks, and MOTO_ACCOUNT_ID is read at each request.
    @functools.lru_cache(maxsize=None)
    def client(service, region="us-east-1"):
        return boto3.client(service, region_name=region)

    def rollout(template):
        org = client("organizations")
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        ou = org.create_organizational_unit(ParentId=root, Name="workloads")["OrganizationalUnit"]["Id"]
        accounts = []
        for i in range(2):
            a = org.create_account(Email=f"member{i}@example.com", AccountName=f"member{i}")["CreateAccountStatus"]["AccountId"]
            org.move_account(AccountId=a, SourceParentId=root, DestinationParentId=ou)
            accounts.append(a)
        for r in regions:
            s3 = client("s3", r)
            bucket = job["prefix"] + "-" + r
            s3.create_bucket(Bucket=bucket, **({} if r == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": r}}))
            s3.put_object(Bucket=bucket, Key=job["key"], Body=b"PK\x05\x06" + b"\0" * 18)  # an empty zip
        cf = client("cloudformation")
        cf.create_stack_set(StackSetName="cognito-guard", TemplateBody=template, Parameters=job["parameters"],
                            Capabilities=["CAPABILITY_IAM"], PermissionModel="SERVICE_MANAGED",
                            AutoDeployment={"Enabled": True, "RetainStacksOnAccountRemoval": False})
        cf.create_stack_instances(StackSetName="cognito-guard", DeploymentTargets={"OrganizationalUnitIds": [ou]}, Regions=regions,
                                  OperationPreferences={"RegionConcurrencyType": "PARALLEL", "FailureToleranceCount": 1, "MaxConcurrentCount": 2})
        name = {a: f"member{i}" for i, a in enumerate(accounts)}
        out = {"instances": sorted(f'{name[s["Account"]]} {s["Region"]} {s["StackInstanceStatus"]["DetailedStatus"]}'
                                   for s in cf.list_stack_instances(StackSetName="cognito-guard")["Summaries"]),
               "stacks": {}, "roles": {}}
        for a in accounts:
            os.environ["MOTO_ACCOUNT_ID"] = a  # act as the member account
            for r in regions:
                ssm, ev = client("ssm", r), client("events", r)
                baselines = []
                for f in client("lambda", r).list_functions()["Functions"]:
                    p = f.get("Environment", {}).get("Variables", {}).get("BASELINE_PARAMETER", "")
                    baselines.append(ssm.get_parameter(Name=p)["Parameter"]["Value"] if p else "")
                out["stacks"][name[a] + " " + r] = {
                    "functionBaselines": sorted(baselines),
                    "forwardTargets": sorted(t["Arn"] for rule in ev.list_rules()["Rules"]
                                             for t in ev.list_targets_by_rule(Rule=rule["Name"])["Targets"] if ":event-bus/" in t["Arn"]),
                    "queues": len(client("sqs", r).list_queues().get("QueueUrls", [])),
                }
            # Organizations' own role in every account it creates is not the stack's.
            roles = [x["RoleName"] for x in client("iam").list_roles()["Roles"] if x["RoleName"] != "OrganizationAccountAccessRole"]
            out["roles"][name[a]] = [len(roles), len(set(roles))]
            del os.environ["MOTO_ACCOUNT_ID"]
        return out

    with mock_aws():
        result = rollout(job["template"])
    with mock_aws():
        try:
            rollout(job["fixedNameTemplate"])
            result["fixedName"] = ""
        except Exception as e:
            result["fixedName"] = str(e)
    return {"result": result}


ops = {"match": match, "prepare": prepare, "rollout": rollout_job}
for line in sys.stdin:
    try:
        req = json.loads(line)
        answer(ops[req["op"]](req))
    except Exception:
        answer({"error": traceback.format_exc()})
answers.close()
os._exit(0)
