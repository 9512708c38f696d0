"""Injectable faults: throttling, a 5xx, a timeout, a cut-off (see server.py's docstring).

Rules (POST /_local/faults, a JSON list; each rule answers with its "hits" on GET):
  {"operation": "RunTask" | "*", "kind": "throttle" | "unavailable" | "timeout", "count": n,
   "seconds": s (timeout only), "caller": access key (optional)}
  {"kind": "cutoff", "after": n, "seconds": s, "caller": access key (optional)}: after n changes
   (operations starting with a MUTATING_PREFIX), every call hangs until the rule is removed or s
   seconds pass, then fails (a Lambda killed half-way).
"""

import time

from protocol import fault_response
from state import FAULTS, LOCK

MUTATING_PREFIXES = ("Create", "Delete", "Register", "Deregister", "Put", "Update", "Allocate",
                     "Release", "Stop", "Run", "Change", "Modify", "Add", "Remove")


def take_fault(operation, caller):
    """The fault to inject for this call, if any (consumes one use of the rule). A rule with a
    "caller" applies only to calls signed with that access key (the code under test)."""
    with LOCK:
        for rule in FAULTS:
            if rule.get("caller", caller) != caller:
                continue
            if rule["kind"] == "cutoff":
                if not rule.get("tripped") and operation.startswith(MUTATING_PREFIXES):
                    rule["tripped"] = rule["after"] <= 0
                    rule["after"] -= 1
                if rule.get("tripped"):
                    rule["hits"] = rule.get("hits", 0) + 1
                    return rule
                continue
            if rule["operation"] in (operation, "*") and rule["count"] > 0:
                rule["count"] -= 1
                rule["hits"] = rule.get("hits", 0) + 1
                return rule
    return None


def cutoff_released(rule):
    with LOCK:
        return rule not in FAULTS


def serve_with_fault(fault, service, environ, start_response, moto_app):
    """Answers a call that drew a fault."""
    if fault["kind"] == "timeout":
        answer = moto_app(environ, start_response)
        time.sleep(fault.get("seconds", 30))
        return answer
    if fault["kind"] == "cutoff":
        deadline = time.monotonic() + fault.get("seconds", 30)
        while time.monotonic() < deadline and not cutoff_released(fault):
            time.sleep(0.02)
    status, content_type, text = fault_response(service, fault["kind"])
    start_response(f"{status} Fault", [("Content-Type", content_type), ("x-amzn-RequestId", "local")])
    return [text.encode()]
