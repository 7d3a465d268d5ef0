"""cfn-lint worker for the templatetest package (see worker_test.go).

Requests, one JSON object a line on stdin; one JSON answer a line on file descriptor 3:
  {"op": "lint", "dir": D, "args": [...]}  runs the cfn-lint command line (its entry point,
      cfnlint.runner.main) with args in directory D: {"code": exit status, "output": what it printed}
  {"op": "transform", "template": T}  translates the packaged SAM template T with aws-sam-translator
      (the library behind the AWS::Serverless transform) and lists, for each resource type it uses,
      the properties that name the resource: create-only, settable, ending in "Name" (from cfn-lint's
      copy of the CloudFormation resource schemas): {"result": {"template", "nameProperties"}}, or
      {"missing": why} when aws-sam-translator cannot be imported
  {"op": "taggable", "types": [...]}  whether each resource type has a Tags property in cfn-lint's
      resource schemas: {"taggable": {type: bool}}
An exception answers {"error": traceback}.
"""
import contextlib
import io
import json
import os
import sys
import traceback

answers = os.fdopen(3, "w")


def answer(obj):
    answers.write(json.dumps(obj) + "\n")
    answers.flush()


import functools

import cfnlint.helpers

# cfn-lint builds its rules afresh for every run (RulesCollection.create_from_directory executes
# each rule module again), and the rules and schema managers parse cfn-lint's own data files with
# helpers.load_resource each time: Policies.json alone twice a run, 0.5 s of CPU of the 1.3 s that
# a run over template.yaml takes. The files are the installed package's and do not change during
# the worker's life, and the rules only read what they load (a run of every lint the tests make
# left each parsed file equal to a fresh parse), so each is parsed once. The rule modules import
# load_resource when they are executed, after this; the modules imported already are patched too.
_load_resource = cfnlint.helpers.load_resource
cfnlint.helpers.load_resource = functools.lru_cache(maxsize=None)(_load_resource)
for _m in list(sys.modules.values()):
    if getattr(_m, "load_resource", None) is _load_resource:
        _m.load_resource = cfnlint.helpers.load_resource

from cfnlint.runner import main as cfn_lint  # the cfn-lint command's entry point
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER as schemas

answer({"ready": True})


def lint(req):
    os.chdir(req["dir"])  # cfn-lint reads .cfnlintrc from the working directory
    sys.argv = ["cfn-lint"] + req["args"]
    out = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out):
        try:
            cfn_lint()
        except SystemExit as e:
            code = e.code
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=out)
        code = 1
    return {"code": code, "output": out.getvalue()}


def transform(req):
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    try:
        from samtranslator.parser.parser import Parser
        from samtranslator.translator.translator import Translator
    except ImportError as e:
        return {"missing": f"{type(e).__name__}: {e}"}
    out = Translator(managed_policy_map={}, sam_parser=Parser()).translate(
        sam_template=req["template"], parameter_values={}, passthrough_metadata=False)
    names = {}
    for r in out["Resources"].values():
        t = r["Type"]
        if t in names:
            continue
        s = schemas.get_resource_schema("us-east-1", t).schema
        ro = {p.split("/")[-1] for p in s.get("readOnlyProperties", [])}
        names[t] = sorted(p.split("/")[-1] for p in s.get("createOnlyProperties", [])
                          if p.count("/") == 2 and p.endswith("Name") and p.split("/")[-1] not in ro)
    return {"result": {"template": out, "nameProperties": names}}


def taggable(req):
    return {"taggable": {t: "Tags" in schemas.get_resource_schema("us-east-1", t).schema.get("properties", {})
                         for t in req["types"]}}


ops = {"lint": lint, "transform": transform, "taggable": taggable}
environ = dict(os.environ)
for line in sys.stdin:
    try:
        req = json.loads(line)
        answer(ops[req["op"]](req))
    except Exception:
        answer({"error": traceback.format_exc()})
    finally:
        # As if each request had a process of its own: cfn-lint sets AWS_DEFAULT_REGION to the
        # Region it lints a SAM template in.
        os.environ.clear()
        os.environ.update(environ)
answers.close()
os._exit(0)
