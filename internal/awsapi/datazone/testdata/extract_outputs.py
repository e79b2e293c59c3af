"""Writes outputs.json: the output shapes of the DataZone operations Surveyor serves, and every
shape they reach, from botocore's model (only what TestResponsesHaveEveryRequiredMember reads:
type, required, members, list member, map value, union). Run it when the served operations or
botocore change:

    python3 extract_outputs.py > outputs.json
"""
import gzip
import json
import os
import sys

import botocore

OPERATIONS = [
    "CreateDomain", "ListDomains", "GetDomain", "DeleteDomain",
    "CreateProject", "ListProjects", "GetProject", "DeleteProject",
    "CreateDataSource", "ListDataSources", "GetDataSource", "UpdateDataSource", "DeleteDataSource",
    "StartDataSourceRun", "ListDataSourceRuns", "GetDataSourceRun", "ListDataSourceRunActivities",
    "GetAsset", "ListAssetRevisions", "Search",
]

path = os.path.join(os.path.dirname(botocore.__file__), "data", "datazone", "2018-05-10", "service-2.json.gz")
model = json.load(gzip.open(path))
shapes = model["shapes"]
out = {"botocore": botocore.__version__, "operations": {}, "shapes": {}}


def visit(name):
    if name in out["shapes"]:
        return
    s = shapes[name]
    keep = {"type": s["type"]}
    if s.get("required"):
        keep["required"] = s["required"]
    if s.get("union"):
        keep["union"] = True
    out["shapes"][name] = keep
    if "members" in s:
        keep["members"] = {m: v["shape"] for m, v in s["members"].items()}
        for v in s["members"].values():
            visit(v["shape"])
    if "member" in s:
        keep["member"] = s["member"]["shape"]
        visit(s["member"]["shape"])
    if "value" in s:
        keep["value"] = s["value"]["shape"]
        visit(s["value"]["shape"])


for op in OPERATIONS:
    shape = model["operations"][op]["output"]["shape"]
    out["operations"][op] = shape
    visit(shape)

json.dump(out, sys.stdout, indent=1, sort_keys=True)
sys.stdout.write("\n")
