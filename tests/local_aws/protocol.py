"""Who calls what, read off a request; errors in the shape each AWS protocol sends them."""

import json
from html import escape
from urllib.parse import parse_qs

# Services whose API speaks JSON (X-Amz-Target); the others answer errors in XML.
JSON_SERVICES = ("ecs", "ssm", "logs", "events", "lambda")


def _credential_scope(environ):
    """AKID/date/region/service/aws4_request from a SigV4 Authorization header, split."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" not in auth:
        return []
    return auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")


def access_key_of(environ):
    scope = _credential_scope(environ)
    return scope[0] if scope else ""


def region_of(environ):
    scope = _credential_scope(environ)
    return scope[2] if len(scope) >= 4 else "us-east-1"


def service_of(environ):
    """The SigV4 signing name: ecs, elasticloadbalancing, ec2, ssm, monitoring, route53, ..."""
    scope = _credential_scope(environ)
    return scope[3] if len(scope) >= 4 else ""


def operation_of(environ, body):
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
    if "/operation/" in path:  # Smithy RPC v2 CBOR (botocore's CloudWatch)
        return path.rsplit("/operation/", 1)[1].strip("/")
    if body:
        action = query_params(body).get("Action")
        if action:
            return action
    if "/rrset" in path:
        return "ChangeResourceRecordSets" if method == "POST" else "ListResourceRecordSets"
    return f"{method} {path}"


def query_params(body):
    """A form-encoded (AWS query / EC2 query) body as a flat dict of its first values."""
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}


def json_params(body):
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def error_response(service, code, message, status):
    """(status, content type, body) of an error as this service's protocol sends it."""
    if service in JSON_SERVICES:
        return status, "application/x-amz-json-1.1", json.dumps({"__type": code, "message": message})
    code, message = escape(code), escape(message)
    if service == "ec2":
        return status, "text/xml", (
            f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code>"
            f"<Message>{message}</Message></Error></Errors><RequestID>local</RequestID></Response>")
    namespace = ' xmlns="https://route53.amazonaws.com/doc/2013-04-01/"' if service == "route53" else ""
    return status, "text/xml", (
        f"<ErrorResponse{namespace}><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
        f"</Error><RequestId>local</RequestId></ErrorResponse>")


def fault_response(service, kind):
    """The error each protocol sends for throttling or a 5xx, as the SDK expects it."""
    throttle = kind == "throttle"
    message = "Rate exceeded" if throttle else "Service is unavailable, try again"
    if service in JSON_SERVICES:
        code = "ThrottlingException" if throttle else "ServiceUnavailableException"
        return error_response(service, code, message, 400 if throttle else 503)
    if service == "ec2":
        return error_response(service, "RequestLimitExceeded" if throttle else "Unavailable", message, 503)
    return error_response(service, "Throttling" if throttle else "ServiceUnavailable", message,
                          400 if throttle else 503)


def access_denied_response(service, message):
    """AccessDenied as each protocol names it: ECS/SSM AccessDeniedException (JSON, 400), EC2
    UnauthorizedOperation (403), ELB/CloudWatch/Route 53 AccessDenied (XML, 403)."""
    if service in JSON_SERVICES:
        return error_response(service, "AccessDeniedException", message, 400)
    if service == "ec2":
        return error_response(service, "UnauthorizedOperation",
                              f"You are not authorized to perform this operation. {message}", 403)
    return error_response(service, "AccessDenied", message, 403)
