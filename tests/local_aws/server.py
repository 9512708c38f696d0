"""Local AWS: moto's server with what AWS does on its own, for tests and `make demo`.

moto serves the real wire protocols. This adds, and nothing more:
  * two wire fixes where moto differs from the ECS API (container cpu/memory are strings);
  * ELB's idempotency: a load balancer name and a listener port exist once;
  * AWS's timings, off by default: a load balancer provisions for a while, a task goes through
    PROVISIONING and PENDING before RUNNING, a new target is "initial" before "healthy";
  * injectable faults per operation: throttling, a 5xx, a timeout (the call is carried out but its
    answer comes too late, so the caller cannot know), or a cut-off that hangs every call after N
    changes (a Lambda killed half-way).
The functions under test cannot tell it from AWS; tests and the demo steer it through /_local/.

Run: python3 server.py --port 5000   (binds 127.0.0.1 only)
"""

import argparse
import io
import json
import threading
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs

from moto.ecs import models as ecs_models
from moto.elbv2 import models as elbv2_models
from moto.moto_api import state_manager
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

LOCK = threading.Lock()
TIMINGS = {"load_balancer_seconds": 0.0, "task_seconds": 0.0, "health_seconds": 0.0}
FAULTS = []  # rules: {"operation": "RunTask" | "*", "kind": ..., "count": n} or cut-off rules
CALLS = []  # (service, operation) of every AWS call served, in order
MUTATING_PREFIXES = ("Create", "Delete", "Register", "Deregister", "Put", "Update", "Allocate",
                     "Release", "Stop", "Run", "Change", "Modify", "Add", "Remove")


def now():
    return datetime.now(timezone.utc)


# --- AWS behaviour moto lacks -------------------------------------------------------------

# A running task stays running until it is stopped (moto advances it on every DescribeTasks).
state_manager.set_transition("ecs::task", {"progression": "manual", "times": 10**9})

_container_init = ecs_models.Container.__init__


def _container_init_with_string_sizes(self, task_def):
    _container_init(self, task_def)
    # The ECS API types Container.cpu and Container.memory as strings; moto sends numbers.
    self.cpu = None if self.cpu is None else str(self.cpu)
    self.memory = None if self.memory is None else str(self.memory)


ecs_models.Container.__init__ = _container_init_with_string_sizes

_task_init = ecs_models.Task.__init__
_task_status = ecs_models.Task.last_status


def _task_init_with_times(self, *args, **kwargs):
    _task_init(self, *args, **kwargs)
    self.created_at = now()
    self._launch_seconds = TIMINGS["task_seconds"]


def _task_last_status(self):
    status = _task_status.fget(self)
    age = (now() - self.created_at).total_seconds()
    if status == "RUNNING" and age < self._launch_seconds:
        return "PROVISIONING" if age < self._launch_seconds / 3 else "PENDING"
    return status


def _task_started_at(self):
    if _task_last_status(self) in ("PROVISIONING", "PENDING"):
        return None
    return self.created_at + timedelta(seconds=self._launch_seconds)


ecs_models.Task.__init__ = _task_init_with_times
ecs_models.Task.last_status = property(_task_last_status, _task_status.fset)
ecs_models.Task.started_at = property(_task_started_at)

_lb_init = elbv2_models.FakeLoadBalancer.__init__
_lb_activate = elbv2_models.FakeLoadBalancer.activate


def _lb_init_with_time(self, *args, **kwargs):
    _lb_init(self, *args, **kwargs)
    self._provisioning_until = time.monotonic() + TIMINGS["load_balancer_seconds"]


def _lb_activate_when_provisioned(self):
    if time.monotonic() >= self._provisioning_until:
        _lb_activate(self)


_create_load_balancer = elbv2_models.ELBv2Backend.create_load_balancer
_create_listener = elbv2_models.ELBv2Backend.create_listener


def _create_load_balancer_once(self, name, *args, **kwargs):
    # AWS: creating a load balancer whose name exists returns the existing one (moto makes another).
    existing = next((lb for lb in self.load_balancers.values() if lb.name == name), None)
    return existing or _create_load_balancer(self, name, *args, **kwargs)


def _create_listener_once(self, load_balancer_arn, protocol, port, *args, **kwargs):
    # AWS: one listener per port; the same one again returns it (moto's own check never matches).
    balancer = self.load_balancers.get(load_balancer_arn)
    for listener in (balancer.listeners.values() if balancer else []):
        if str(listener.port) == str(port):
            if listener.protocol != protocol:
                raise elbv2_models.DuplicateListenerError()
            return listener
    return _create_listener(self, load_balancer_arn, protocol, port, *args, **kwargs)


elbv2_models.ELBv2Backend.create_load_balancer = _create_load_balancer_once
elbv2_models.ELBv2Backend.create_listener = _create_listener_once
elbv2_models.FakeLoadBalancer.__init__ = _lb_init_with_time
elbv2_models.FakeLoadBalancer.activate = _lb_activate_when_provisioned

_tg_register = elbv2_models.FakeTargetGroup.register
_tg_health_for = elbv2_models.FakeTargetGroup.health_for


def _tg_register_with_time(self, targets):
    _tg_register(self, targets)
    registered = self.__dict__.setdefault("_healthy_after", {})
    for target in targets:
        registered.setdefault(target["Id"], time.monotonic() + TIMINGS["health_seconds"])


def _tg_health_after_checks(self, target, ec2_backend):
    health = _tg_health_for(self, target, ec2_backend)
    healthy_after = self.__dict__.get("_healthy_after", {}).get(target["Id"], 0)
    if health.status == "healthy" and time.monotonic() < healthy_after:
        return elbv2_models.FakeHealthStatus(health.instance_id, health.port, health.health_check_port,
                                             "initial", "Elb.RegistrationInProgress",
                                             "Target registration is in progress")
    return health


def _tg_deregister_forgetting_time(self, targets):
    _tg_deregister(self, targets)
    for target in targets:
        self.__dict__.get("_healthy_after", {}).pop(target["Id"], None)


_tg_deregister = elbv2_models.FakeTargetGroup.deregister
elbv2_models.FakeTargetGroup.register = _tg_register_with_time
elbv2_models.FakeTargetGroup.health_for = _tg_health_after_checks
elbv2_models.FakeTargetGroup.deregister = _tg_deregister_forgetting_time


# --- Faults ---------------------------------------------------------------------------------

def service_of(environ):
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" in auth:
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        if len(scope) >= 4:
            return scope[3]
    return ""


def operation_of(environ, body):
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    if body:
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return action[0]
    path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
    if "/rrset" in path:
        return "ChangeResourceRecordSets" if method == "POST" else "ListResourceRecordSets"
    return f"{method} {path}"


def error_response(service, kind):
    """The error each protocol sends for throttling or a 5xx, as the SDK expects it."""
    code, status = {
        ("ec2", "throttle"): ("RequestLimitExceeded", 503),
        ("ec2", "unavailable"): ("Unavailable", 503),
    }.get((service, kind), ("Throttling" if kind == "throttle" else "ServiceUnavailable",
                            400 if kind == "throttle" else 503))
    message = "Rate exceeded" if kind == "throttle" else "Service is unavailable, try again"
    if service in ("ecs", "ssm", "logs", "events", "lambda"):
        code = "ThrottlingException" if kind == "throttle" else "ServiceUnavailableException"
        body = json.dumps({"__type": code, "message": message})
        return status, "application/x-amz-json-1.1", body
    if service == "ec2":
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code>"
                f"<Message>{message}</Message></Error></Errors><RequestID>local</RequestID></Response>")
        return status, "text/xml", body
    body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
            f"</Error><RequestId>local</RequestId></ErrorResponse>")
    return status, "text/xml", body


def access_key_of(environ):
    auth = environ.get("HTTP_AUTHORIZATION", "")
    return auth.split("Credential=", 1)[1].split("/", 1)[0] if "Credential=" in auth else ""


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


class LocalAws:
    def __init__(self, moto_app):
        self.moto_app = moto_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_local/"):
            return self.control(environ, start_response, path)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        service, operation = service_of(environ), operation_of(environ, body)
        with LOCK:
            CALLS.append({"service": service, "operation": operation})
        fault = take_fault(operation, access_key_of(environ))
        if fault is None:
            return self.moto_app(environ, start_response)
        if fault["kind"] == "timeout":
            answer = self.moto_app(environ, start_response)
            time.sleep(fault.get("seconds", 30))
            return answer
        if fault["kind"] == "cutoff":
            deadline = time.monotonic() + fault.get("seconds", 30)
            while time.monotonic() < deadline and not cutoff_released(fault):
                time.sleep(0.02)
        status, content_type, text = error_response(service, fault["kind"])
        start_response(f"{status} Fault", [("Content-Type", content_type), ("x-amzn-RequestId", "local")])
        return [text.encode()]

    def control(self, environ, start_response, path):
        method = environ.get("REQUEST_METHOD")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        payload = json.loads(environ["wsgi.input"].read(length) or b"null") if length else None
        with LOCK:
            if path == "/_local/timings" and method == "POST":
                TIMINGS.update({k: float(v) for k, v in payload.items() if k in TIMINGS})
                answer = TIMINGS
            elif path == "/_local/faults" and method == "POST":
                FAULTS[:] = payload or []
                answer = FAULTS
            elif path == "/_local/faults":
                answer = FAULTS
            elif path == "/_local/calls" and method == "DELETE":
                CALLS.clear()
                answer = CALLS
            elif path == "/_local/calls":
                answer = CALLS
            else:
                start_response("404 Not Found", [("Content-Type", "application/json")])
                return [b'{"error": "unknown control path"}']
            text = json.dumps(answer)
        body = text.encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    moto_app = DomainDispatcherApplication(create_backend_app)
    run_simple("127.0.0.1", args.port, LocalAws(moto_app), threaded=True)


if __name__ == "__main__":
    main()
