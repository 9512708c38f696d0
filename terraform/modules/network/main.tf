data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:Only the default; var.availability_zones pins the zones (zone names are account-specific, so no fixed filter fits every account)
  state = "available"
}

locals {
  azs = length(var.availability_zones) > 0 ? var.availability_zones : slice(data.aws_availability_zones.available.names, 0, var.public_subnet_count)
}

resource "aws_vpc" "this" {
  #checkov:skip=CKV2_AWS_11:No VPC flow logs: CloudWatch ingestion bills per GB, the goal is zero idle cost
  cidr_block = var.cidr
  # Hostnames are also required by moto for awsvpc tasks.
  enable_dns_hostnames = true
  enable_dns_support   = true

  tags = { Name = var.name }
}

# Adopt the default security group and strip its rules so nothing can use it by accident.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name}-default-unused" }
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = { Name = var.name }
}

# Public subnets only: a NAT gateway or VPC endpoints would bill while idle. Tasks get a public IP
# per task (assign_public_ip on the service) instead of one on every launch in the subnet.
resource "aws_subnet" "public" {
  count = var.public_subnet_count

  vpc_id                  = aws_vpc.this.id
  cidr_block              = cidrsubnet(var.cidr, 8, count.index)
  availability_zone       = local.azs[count.index]
  map_public_ip_on_launch = false

  tags = { Name = "${var.name}-public-${local.azs[count.index]}" }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name}-public" }
}

resource "aws_route" "internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  count = var.public_subnet_count

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

resource "aws_security_group" "task" {
  #checkov:skip=CKV2_AWS_5:Attached to the ECS service's network configuration in modules/jitsi-service (a cross-module reference checkov does not follow)
  name = "${var.name}-task"
  # Unchanged wording on purpose: a new description replaces the group, which fails while a task uses it.
  description = "Jitsi task: media and HTTPS from clients through the NLB"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${var.name}-task" }
}

resource "aws_vpc_security_group_ingress_rule" "task" {
  for_each = var.task_ingress

  security_group_id = aws_security_group.task.id
  description       = each.value.why
  ip_protocol       = each.value.protocol
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = each.value.cidr
}

# Egress stays open: Docker Hub and its CDN and the AWS APIs have no fixed
# addresses, and narrowing them would need NAT or VPC endpoints, which bill while idle.
resource "aws_vpc_security_group_egress_rule" "task_all" {
  security_group_id = aws_security_group.task.id
  description       = "Image pulls, SSM and CloudWatch Logs through the internet gateway"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}
