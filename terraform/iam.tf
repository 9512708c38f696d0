# One "reconcile" policy shared by all three functions (they run the same reconcile), plus small
# per-function extras. Built with jsonencode so `terraform test` can inspect it offline.

locals {
  arn_prefix = "arn:${data.aws_partition.current.partition}"
  region     = data.aws_region.current.name
  account    = data.aws_caller_identity.current.account_id

  elb_prefix          = "${local.arn_prefix}:elasticloadbalancing:${local.region}:${local.account}"
  meeting_lb_arns     = "${local.elb_prefix}:loadbalancer/net/${local.load_balancer_name}/*"
  meeting_listener_ar = "${local.elb_prefix}:listener/net/${local.load_balancer_name}/*"
  elastic_ip_arns     = "${local.arn_prefix}:ec2:${local.region}:${local.account}:elastic-ip/*"
  hosted_zone_arn     = "${local.arn_prefix}:route53:::hostedzone/${var.hosted_zone_id}"

  # DescribeTasks/StopTask are authorized against task ARNs, ListTasks without a container instance
  # against "*" (see EcsListTasks); all carry ecs:cluster, which pins them to this cluster.
  cluster_arn             = module.jitsi.cluster_arn
  cluster_tasks           = "${replace(local.cluster_arn, ":cluster/", ":task/")}/*"
  on_this_cluster         = { ArnEquals = { "ecs:cluster" = local.cluster_arn } }
  request_tagged_as_stack = { "aws:RequestTag/${local.stack_tag_key}" = var.name }

  reconcile_statements = concat([
    {
      Sid      = "EcsService"
      Effect   = "Allow"
      Action   = ["ecs:DescribeServices", "ecs:UpdateService"]
      Resource = module.jitsi.service_arn
    },
    {
      # ListTasks without containerInstance is authorized against "*"; ecs:cluster scopes it (ECS
      # developer guide, security_iam_id-based-policy-examples: "Resource": "*" with ArnEquals ecs:cluster).
      Sid       = "EcsListTasks"
      Effect    = "Allow"
      Action    = ["ecs:ListTasks"]
      Resource  = "*"
      Condition = local.on_this_cluster
    },
    {
      Sid       = "EcsTasks"
      Effect    = "Allow"
      Action    = ["ecs:DescribeTasks", "ecs:StopTask"]
      Resource  = local.cluster_tasks
      Condition = local.on_this_cluster
    },
    {
      # Describe* actions of Elastic Load Balancing support no resource-level permissions: "*" only.
      Sid    = "ElbDescribe"
      Effect = "Allow"
      Action = [
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeTargetHealth",
        "elasticloadbalancing:DescribeTags",
      ]
      Resource = "*"
    },
    {
      Sid       = "ElbCreateTaggedMeetingNlb"
      Effect    = "Allow"
      Action    = ["elasticloadbalancing:CreateLoadBalancer"]
      Resource  = local.meeting_lb_arns
      Condition = { StringEquals = local.request_tagged_as_stack }
    },
    {
      Sid      = "ElbTagOnCreate"
      Effect   = "Allow"
      Action   = ["elasticloadbalancing:AddTags"]
      Resource = local.meeting_lb_arns
      Condition = {
        StringEquals = merge(local.request_tagged_as_stack, {
          "elasticloadbalancing:CreateAction" = "CreateLoadBalancer"
        })
      }
    },
    {
      # Split by resource type: each action only on the ARN type AWS authorizes it against.
      Sid      = "ElbManageMeetingNlb"
      Effect   = "Allow"
      Action   = ["elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:CreateListener"]
      Resource = local.meeting_lb_arns
    },
    {
      Sid      = "ElbDeleteMeetingListener"
      Effect   = "Allow"
      Action   = ["elasticloadbalancing:DeleteListener"]
      Resource = local.meeting_listener_ar
    },
    {
      # A fresh account has no ELB service-linked role until its first load balancer; CreateLoadBalancer
      # then creates it on the caller's behalf.
      Sid      = "ElbServiceLinkedRole"
      Effect   = "Allow"
      Action   = ["iam:CreateServiceLinkedRole"]
      Resource = "${local.arn_prefix}:iam::${local.account}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing"
      Condition = {
        StringEquals = { "iam:AWSServiceName" = "elasticloadbalancing.amazonaws.com" }
      }
    },
    {
      Sid      = "ElbTargets"
      Effect   = "Allow"
      Action   = ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"]
      Resource = concat([aws_lb_target_group.jvb.arn, aws_lb_target_group.web.arn], aws_lb_target_group.http[*].arn)
    },
    {
      # ec2:Describe* supports no resource-level permissions: "*" only.
      Sid      = "Ec2DescribeAddresses"
      Effect   = "Allow"
      Action   = ["ec2:DescribeAddresses"]
      Resource = "*"
    },
    {
      # What Elastic Load Balancing checks on the caller of CreateLoadBalancer (ec2:DescribeAddresses,
      # also on that list, is granted above) and of RegisterTargets (ec2:DescribeInstances): ELB user
      # guide, elb-api-permissions ("Elastic Load Balancing API permissions", 2015-12-01 API).
      # Read-only ec2:Describe* calls support no resource-level permissions: "*" only.
      Sid    = "Ec2DescribeForElb"
      Effect = "Allow"
      Action = [
        "ec2:DescribeAccountAttributes",
        "ec2:DescribeInstances",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
      ]
      Resource = "*"
    },
    {
      Sid       = "Ec2AllocateTaggedEip"
      Effect    = "Allow"
      Action    = ["ec2:AllocateAddress"]
      Resource  = local.elastic_ip_arns
      Condition = { StringEquals = local.request_tagged_as_stack }
    },
    {
      Sid      = "Ec2TagOnAllocate"
      Effect   = "Allow"
      Action   = ["ec2:CreateTags"]
      Resource = local.elastic_ip_arns
      Condition = {
        StringEquals = merge(local.request_tagged_as_stack, { "ec2:CreateAction" = "AllocateAddress" })
      }
    },
    {
      Sid       = "Ec2ReleaseOwnEip"
      Effect    = "Allow"
      Action    = ["ec2:ReleaseAddress"]
      Resource  = local.elastic_ip_arns
      Condition = { StringEquals = { "aws:ResourceTag/${local.stack_tag_key}" = var.name } }
    },
    {
      Sid      = "AdvertiseIps"
      Effect   = "Allow"
      Action   = ["ssm:GetParameter", "ssm:PutParameter"]
      Resource = module.jitsi.advertise_ips_parameter_arn
    },
    ], [for statement in local.meeting_dns_statements : statement if local.custom_domain],
    [for statement in local.certificate_statements : statement if local.lets_encrypt],
  [for statement in local.manual_stop_read_statements : statement if length(local.windows) > 0])

  ssm_prefix = "${local.arn_prefix}:ssm:${local.region}:${local.account}:parameter"
  # Only without a domain (shared/src/cloud/certificates.rs): the records under their path (read
  # by the path itself: GetParametersByPath is authorized against it, SSM user guide,
  # "Restricting access to Parameter Store parameters using IAM policies"; written and deleted
  # one by one) and the ACME account, created once by the first order. aws/ssm key: no kms:Decrypt.
  certificate_statements = [
    {
      Sid      = "CertificateRecordsRead"
      Effect   = "Allow"
      Action   = ["ssm:GetParametersByPath"]
      Resource = "${local.ssm_prefix}${local.certificates_path}"
    },
    {
      Sid      = "CertificateRecordsWrite"
      Effect   = "Allow"
      Action   = ["ssm:PutParameter", "ssm:DeleteParameter"]
      Resource = "${local.ssm_prefix}${local.certificates_path}/*"
    },
    {
      Sid      = "AcmeAccount"
      Effect   = "Allow"
      Action   = ["ssm:GetParameter", "ssm:PutParameter"]
      Resource = concat(["${local.ssm_prefix}${local.acme_account_parameter}"], aws_ssm_parameter.acme_extra_roots[*].arn)
    },
  ]

  # Only with a custom domain (a conditional cannot pick between tuples of different shapes).
  meeting_dns_statements = [
    {
      Sid      = "MeetingDnsRead"
      Effect   = "Allow"
      Action   = ["route53:ListResourceRecordSets"]
      Resource = local.hosted_zone_arn
    },
    {
      # Only the meeting host name's A record, only UPSERT: Terraform creates the record (domain.tf)
      # and the functions only repoint it, never delete it. The rest of the zone stays out of reach.
      Sid      = "MeetingDnsRecord"
      Effect   = "Allow"
      Action   = ["route53:ChangeResourceRecordSets"]
      Resource = local.hosted_zone_arn
      Condition = {
        "ForAllValues:StringEquals" = {
          "route53:ChangeResourceRecordSetsNormalizedRecordNames" = [var.meeting_hostname]
          "route53:ChangeResourceRecordSetsRecordTypes"           = ["A"]
          "route53:ChangeResourceRecordSetsActions"               = ["UPSERT"]
        }
      }
    },
  ]

  reconcile_policy = jsonencode({ Version = "2012-10-17", Statement = local.reconcile_statements })

  read_start_secret_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "ReadStartSecretHash"
      Effect   = "Allow"
      Action   = ["ssm:GetParameter"]
      Resource = aws_ssm_parameter.start_secret_hash.arn
    }]
  })

  # start-meeting only: it signs moderator tokens (App::token_issuer, at cold start). The other two
  # get JWT_SECRET_PARAMETER in their environment (one contract for all three) but no access to it.
  # SecureString with the AWS managed aws/ssm key, whose key policy allows decryption through SSM:
  # no kms:Decrypt statement (as for the start secret hash).
  read_jwt_secret_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "ReadJwtSigningKey"
      Effect   = "Allow"
      Action   = ["ssm:GetParameter"]
      Resource = module.jitsi.jwt_secret_parameter_arn
    }]
  })

  # GetMetricData supports no resource-level permissions: "*" only.
  read_metrics_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "ReadNlbFlowMetrics"
      Effect   = "Allow"
      Action   = ["cloudwatch:GetMetricData"]
      Resource = "*"
    }]
  })
}
