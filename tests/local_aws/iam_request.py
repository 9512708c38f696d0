"""A call as IAM sees it: its parameters, the ARNs it names, the tags of what it touches.

Parameters come from the wire (JSON for ECS/SSM, the query protocols' form fields for ELB, EC2 and
CloudWatch, path and XML for Route 53); existing resources' tags from moto's backends.
"""

import re
import xml.etree.ElementTree as ElementTree
from urllib.parse import unquote

from moto.ec2.models import ec2_backends
from moto.ecs.models import ecs_backends
from moto.elbv2.models import elbv2_backends
from moto.ssm.models import ssm_backends
from protocol import json_params, query_params


class Call:
    def __init__(self, service, operation, region, account, environ, body):
        self.service, self.operation, self.region, self.account = service, operation, region, account
        self.path = environ.get("PATH_INFO", "")
        self.body = body
        self.json = json_params(body) if environ.get("HTTP_X_AMZ_TARGET") else {}
        is_form = "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", "") or (
            service in ("ec2", "elasticloadbalancing", "monitoring") and body[:7] == b"Action=")
        self.form = query_params(body) if is_form and body else {}

    def arn(self, service, resource, region=True, account=True):
        return (f"arn:aws:{service}:{self.region if region else ''}:{self.account if account else ''}"
                f":{resource}")

    # --- query protocols -----------------------------------------------------------------------

    def members(self, prefix):
        """Values of a query list: prefix.member.N (ELB) or prefix.N (EC2), in order."""
        found = {}
        for key, value in self.form.items():
            m = re.fullmatch(re.escape(prefix) + r"(?:\.member)?\.(\d+)", key)
            if m:
                found[int(m.group(1))] = value
        return [found[i] for i in sorted(found)]

    def member_fields(self, prefix, field):
        """prefix.member.N.field / prefix.N.field values, in order."""
        found = {}
        for key, value in self.form.items():
            m = re.fullmatch(re.escape(prefix) + r"(?:\.member)?\.(\d+)\." + re.escape(field), key)
            if m:
                found[int(m.group(1))] = value
        return [found[i] for i in sorted(found)]

    def elb_request_tags(self):
        keys, values = self.member_fields("Tags", "Key"), self.member_fields("Tags", "Value")
        return dict(zip(keys, values + [""] * (len(keys) - len(values))))

    def ec2_request_tags(self):
        tags = {}
        for key, value in self.form.items():
            m = re.fullmatch(r"TagSpecification\.(\d+)\.Tag\.(\d+)\.Key", key)
            if m:
                tags[value] = self.form.get(f"TagSpecification.{m.group(1)}.Tag.{m.group(2)}.Value", "")
        return tags

    # --- ECS -----------------------------------------------------------------------------------

    def cluster_name(self):
        return str(self.json.get("cluster") or "default").split("/")[-1]

    def cluster_arn(self):
        return self.arn("ecs", f"cluster/{self.cluster_name()}")

    def service_arn(self, service):
        return self.arn("ecs", f"service/{self.cluster_name()}/{str(service).split('/')[-1]}")

    def task_arn(self, task):
        # AWS authorizes the long ARN format, task/<cluster>/<id>, whatever form the request uses.
        return self.arn("ecs", f"task/{self.cluster_name()}/{str(task).split('/')[-1]}")

    def _ecs(self):
        return ecs_backends[self.account][self.region]

    def ecs_service_tags(self, service):
        try:
            return _tag_list(self._ecs()._get_service(self.cluster_name(), service).tags)
        except Exception:  # noqa: BLE001  (no such service: no tags; the call itself fails later)
            return {}

    def ecs_task_tags(self, task):
        task_id = str(task).split("/")[-1]
        for task_ in self._ecs().tasks.get(self.cluster_name(), {}).values():
            if task_.id == task_id:
                return _tag_list(task_.tags)
        return {}

    # --- ELB -----------------------------------------------------------------------------------

    def elb_tags(self, arn):
        try:
            return dict(elbv2_backends[self.account][self.region].tagging_service.get_tag_dict_for_resource(arn))
        except Exception:  # noqa: BLE001
            return {}

    # --- EC2 -----------------------------------------------------------------------------------

    def address(self, allocation_id):
        return next((a for a in ec2_backends[self.account][self.region].addresses
                     if a.allocation_id == allocation_id), None)

    # --- SSM -----------------------------------------------------------------------------------

    def parameter_arn(self):
        return self.arn("ssm", "parameter/" + str(self.json.get("Name", "")).lstrip("/"))

    def parameter(self):
        try:
            return ssm_backends[self.account][self.region].get_parameter(str(self.json.get("Name", "")))
        except Exception:  # noqa: BLE001
            return None

    def parameter_tags(self):
        try:
            return dict(ssm_backends[self.account][self.region].list_tags_for_resource(
                "Parameter", str(self.json.get("Name", ""))))
        except Exception:  # noqa: BLE001
            return {}

    # --- Route 53 ------------------------------------------------------------------------------

    def hosted_zone_arn(self):
        m = re.search(r"/hostedzone/([^/]+)", unquote(self.path))
        return f"arn:aws:route53:::hostedzone/{m.group(1) if m else ''}"

    def record_changes(self):
        """(action, type, normalized name) of each change in a ChangeResourceRecordSets batch."""
        try:
            root = ElementTree.fromstring(self.body)
        except ElementTree.ParseError:
            return []
        changes = []
        for change in root.iter():
            if _local(change.tag) != "Change":
                continue
            fields = {_local(e.tag): (e.text or "").strip() for e in change.iter()}
            changes.append((fields.get("Action", ""), fields.get("Type", ""),
                            normalized_record_name(fields.get("Name", ""))))
        return changes


def normalized_record_name(name):
    """Route 53's normalized record name: lower case, no trailing dot, \\ooo escapes decoded
    (route53:ChangeResourceRecordSetsNormalizedRecordNames)."""
    name = re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1), 8)), name)
    return name.lower().rstrip(".")


def _tag_list(tags):
    """ECS/EC2 tag lists ({"key", "value"}) as a dict."""
    return {t.get("key", t.get("Key")): t.get("value", t.get("Value", "")) for t in tags or []}


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def request_tag_context(tags):
    """aws:RequestTag/<k> and aws:TagKeys of the tags a request sets."""
    context = {f"aws:RequestTag/{k}": v for k, v in tags.items()}
    if tags:
        context["aws:TagKeys"] = list(tags)
    return context


def resource_tag_context(tags, service_prefix):
    """aws:ResourceTag/<k> (and the service's own <prefix>:ResourceTag/<k>) of an existing resource."""
    context = {f"aws:ResourceTag/{k}": v for k, v in tags.items()}
    if service_prefix:
        context.update({f"{service_prefix}:ResourceTag/{k}": v for k, v in tags.items()})
    return context
