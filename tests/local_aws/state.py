"""What the stand-in keeps besides moto's own state; steered through /_local/ (see server.py)."""

import threading
from datetime import datetime, timezone

LOCK = threading.Lock()
# AWS does atomically what moto checks and then writes (an idempotent creation, a claim, a release
# of an address a creation is about to attach): such calls hold this while they run
# (tests/local_aws/test_atomic_creation.py).
CHANGES = threading.RLock()


def atomically(change):
    def locked(*args, **kwargs):
        with CHANGES:
            return change(*args, **kwargs)
    return locked

# AWS's own delays, in seconds; 0 = at once (moto's behaviour).
TIMINGS = {
    "load_balancer_seconds": 0.0,  # a new load balancer is "provisioning" this long
    "task_seconds": 0.0,  # a new task is PROVISIONING, then PENDING, this long
    "health_seconds": 0.0,  # a new target is "initial" this long
    "address_detach_seconds": 0.0,  # an NLB's Elastic IP stays associated this long after deletion
}
FAULTS = []  # rules: {"operation": "RunTask" | "*", "kind": ..., "count": n} or cut-off rules
# Public IPs the next allocations hand out, in order (AWS hands a released address out again).
NEXT_ADDRESSES = []
CALLS = []  # {"service", "operation"} of every AWS call served, in order


def now():
    return datetime.now(timezone.utc)
