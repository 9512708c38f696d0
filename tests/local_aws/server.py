"""Local AWS: moto's server with what AWS does on its own, for tests and `make demo`.

moto serves the real wire protocols. This adds, and nothing more, what AWS does where the product
depends on it, so that code which would fail on AWS fails here too (the module named does it and
cites its sources):
  * ECS wire types: container cpu/memory are strings in the ECS API, numbers in moto [behaviour.py];
  * ELB idempotency: CreateLoadBalancer with an existing name returns that load balancer (moto makes
    a second one), or fails with DuplicateLoadBalancerName if its Elastic IPs differ; a listener
    port exists once; both are atomic under concurrent calls (moto checks, then creates) [behaviour.py];
  * Fargate task interfaces: a task's private IP lies in its subnet (moto: anywhere in 10/8), and
    its interface is deleted when the task stops, so its target fails its checks [behaviour.py];
  * NLB ARNs are loadbalancer/net/... (moto: app/ for every type); IAM policies, listener ARNs and
    the CloudWatch dimension net/<name>/<id> depend on it [elastic_ips.py];
  * Elastic IPs on NLBs: CreateLoadBalancer's SubnetMappings[].AllocationId is associated with the
    load balancer's interface "ELB net/<name>/<id>" and reported by DescribeLoadBalancers
    (LoadBalancerAddresses) and DescribeAddresses (moto ignores it); an unknown allocation fails
    with AllocationIdNotFound, an associated one with ResourceInUse; ReleaseAddress of an
    associated address fails with InvalidIPAddress.InUse and DisassociateAddress of the load
    balancer's with AuthFailure (moto releases it anyway); a release is atomic with a creation that
    attaches the address, and drops the address whole (moto cleared its id first, so a concurrent
    read listed it without one); DeleteLoadBalancer detaches it only
    after address_detach_seconds, as AWS detaches asynchronously [elastic_ips.py];
  * NLB target health (moto: healthy at once): "unused" until a listener forwards to the group,
    "initial" while checks begin, then "healthy" only while the target's task runs and its security
    groups admit the health-check port from the load balancer's nodes (a VPC CIDR rule does), else
    "unhealthy" / Target.FailedHealthChecks [target_health.py];
  * AWS's timings, off by default: a load balancer provisions for load_balancer_seconds, a task is
    PROVISIONING then PENDING for task_seconds, health checks need health_seconds to pass, an NLB's
    address stays associated address_detach_seconds after its deletion [behaviour.py,
    target_health.py, elastic_ips.py];
  * SSM: PutParameter without Overwrite creates a name atomically (moto: two concurrent creators
    may both win) [behaviour.py];
  * IAM: a call signed with an AssumeRole session's key (the functions in `make demo` run with
    their Lambda execution role's) is allowed only if the role's policies allow every action AWS
    checks for it, on the resource ARNs and with the condition keys AWS uses; a call without a row
    in iam.TABLE is denied; other keys (tests, Terraform) are not checked [iam.py, iam_needs.py,
    iam_request.py, policy.py];
  * injectable faults per operation: throttling, a 5xx, a timeout (the call is carried out but its
    answer comes too late, so the caller cannot know), or a cut-off that hangs every call after N
    changes (a Lambda killed half-way) [faults.py].
The functions under test cannot tell it from AWS; tests and the demo steer it through /_local/:
  POST /_local/timings {"load_balancer_seconds", "task_seconds", "health_seconds",
                        "address_detach_seconds"} (any subset; answers all; GET reads them)
  POST /_local/next-addresses ["127.64.0.9", …]: the public IPs the next allocations get (AWS hands
    a released address out again; elastic_ips.py);
  GET/POST /_local/faults (see faults.py), GET/DELETE /_local/calls (every call served, in order, with the
  access key that signed it).
Denied calls are also printed to stderr.

Run: python3 server.py --port 5000   (binds 127.0.0.1 only)
"""

import argparse
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import elastic_ips  # noqa: E402
import target_health  # noqa: E402,F401  (patches moto on import, before behaviour.py wraps it)
import behaviour  # noqa: E402,F401
import iam  # noqa: E402
from faults import serve_with_fault, take_fault  # noqa: E402
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app  # noqa: E402
from protocol import access_key_of, operation_of, service_of  # noqa: E402
from state import CALLS, FAULTS, LOCK, NEXT_ADDRESSES, TIMINGS  # noqa: E402
from werkzeug.serving import run_simple  # noqa: E402


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
            CALLS.append({"service": service, "operation": operation, "caller": access_key_of(environ)})
        elastic_ips.settle()
        denied = iam.check(environ, body, service, operation)
        if denied is not None:
            status, content_type, text = denied
            print(f"local AWS: {operation} denied: {text}", file=sys.stderr, flush=True)
            start_response(f"{status} Denied", [("Content-Type", content_type), ("x-amzn-RequestId", "local")])
            return [text.encode()]
        fault = take_fault(operation, access_key_of(environ))
        if fault is None:
            return self.moto_app(environ, start_response)
        return serve_with_fault(fault, service, environ, start_response, self.moto_app)

    def control(self, environ, start_response, path):
        method = environ.get("REQUEST_METHOD")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        payload = json.loads(environ["wsgi.input"].read(length) or b"null") if length else None
        with LOCK:
            if path == "/_local/timings" and method == "POST":
                TIMINGS.update({k: float(v) for k, v in (payload or {}).items() if k in TIMINGS})
                answer = TIMINGS
            elif path == "/_local/timings":
                answer = TIMINGS
            elif path == "/_local/next-addresses" and method == "POST":
                NEXT_ADDRESSES[:] = payload or []
                answer = NEXT_ADDRESSES
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
