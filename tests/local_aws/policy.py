"""A small IAM identity-policy evaluator: the part of AWS's policy logic the functions' roles use.

Documented at https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
and .../reference_policies_elements_condition_operators.html,
.../reference_policies_condition-single-vs-multi-valued-context-keys.html:
  * an explicit Deny in any statement wins; otherwise an Allow is needed; otherwise implicit deny;
  * Action/NotAction match case-insensitively, with * and ? wildcards; Resource/NotResource match
    case-sensitively with wildcards ("*" in a request means the action has no resource type: only
    a policy Resource that matches the literal "*", such as "*", covers it);
  * Condition: operators AND-ed, keys AND-ed, a key's values OR-ed. Operators: StringEquals,
    StringNotEquals, StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, StringLike, StringNotLike,
    ArnEquals, ArnLike, ArnNotEquals, ArnNotLike (each of the six ARN parts matched on its own, with
    wildcards), Bool, Null; prefixes ForAllValues: / ForAnyValue:, suffix IfExists.
  * a key missing from the request context makes a positive operator false and a negated one true;
    ...IfExists is true then; ForAllValues: is true for a missing or empty key, ForAnyValue: false.
"""

import json
import re
from functools import lru_cache


@lru_cache(maxsize=4096)
def _glob(pattern, ignore_case):
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{regex}$", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def like(pattern, value, ignore_case=False):
    return bool(_glob(str(pattern), ignore_case).match(str(value)))


def arn_like(pattern, value):
    pattern_parts, value_parts = str(pattern).split(":", 5), str(value).split(":", 5)
    if len(pattern_parts) != len(value_parts):
        return like(pattern, value)  # "*" or a malformed ARN: match it whole
    return all(like(p, v) for p, v in zip(pattern_parts, value_parts))


def _bool(value):
    return str(value).lower()


# operator -> (compare(policy value, context value), negated)
OPERATORS = {
    "StringEquals": (lambda p, v: str(p) == str(v), False),
    "StringNotEquals": (lambda p, v: str(p) == str(v), True),
    "StringEqualsIgnoreCase": (lambda p, v: str(p).lower() == str(v).lower(), False),
    "StringNotEqualsIgnoreCase": (lambda p, v: str(p).lower() == str(v).lower(), True),
    "StringLike": (like, False),
    "StringNotLike": (like, True),
    "ArnEquals": (arn_like, False),
    "ArnLike": (arn_like, False),
    "ArnNotEquals": (arn_like, True),
    "ArnNotLike": (arn_like, True),
    "Bool": (lambda p, v: _bool(p) == _bool(v), False),
}


def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


def condition_holds(operator, key, policy_values, context):
    """One key of one condition operator against the request context."""
    policy_values = _as_list(policy_values)
    present = key in context and context[key] is not None
    if operator == "Null":  # true: the key must be absent; false: present
        return any(_bool(p) == ("false" if present else "true") for p in policy_values)
    qualifier, _, name = operator.rpartition(":")
    if_exists = name.endswith("IfExists")
    if if_exists:
        name = name[: -len("IfExists")]
    if name not in OPERATORS:
        return False  # unknown operator: no match (fail closed)
    compare, negated = OPERATORS[name]
    values = [str(v) for v in _as_list(context.get(key))] if present else []
    if qualifier == "ForAllValues":
        if not values:
            return True
        matches = [any(compare(p, v) for p in policy_values) for v in values]
        return all((not m) if negated else m for m in matches)
    if qualifier == "ForAnyValue":
        if not values:
            return if_exists
        matches = [any(compare(p, v) for p in policy_values) for v in values]
        return any((not m) if negated else m for m in matches)
    if not present:
        return if_exists or negated
    hit = any(compare(p, v) for p in policy_values for v in values)
    return not hit if negated else hit


def conditions_hold(condition, context):
    return all(condition_holds(operator, key, values, context)
               for operator, keys in (condition or {}).items() for key, values in keys.items())


def _matches_action(statement, action):
    if "Action" in statement:
        return any(like(p, action, ignore_case=True) for p in _as_list(statement["Action"]))
    if "NotAction" in statement:
        return not any(like(p, action, ignore_case=True) for p in _as_list(statement["NotAction"]))
    return False


def _matches_resource(statement, resource):
    if "Resource" in statement:
        return any(like(p, resource) for p in _as_list(statement["Resource"]))
    if "NotResource" in statement:
        return not any(like(p, resource) for p in _as_list(statement["NotResource"]))
    return False


def statements(document):
    """The statements of a policy document (a JSON string, URL-decoded, or a dict)."""
    if isinstance(document, str):
        document = json.loads(document)
    return _as_list(document.get("Statement"))


def decide(documents, action, resource, context):
    """"Deny" (an explicit deny), "Allow", or None (no statement allows: implicit deny)."""
    allowed = False
    for document in documents:
        for statement in statements(document):
            if not (_matches_action(statement, action) and _matches_resource(statement, resource)
                    and conditions_hold(statement.get("Condition"), context)):
                continue
            if statement.get("Effect") == "Deny":
                return "Deny"
            allowed = allowed or statement.get("Effect") == "Allow"
    return "Allow" if allowed else None
