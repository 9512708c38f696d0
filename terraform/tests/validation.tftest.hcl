# Variable values AWS would reject (or that half-configure the stack) fail at plan with a clear
# message; the nearest valid values still plan. Mocked provider, offline.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  lambda_dist_dir   = "tests/fixtures/lambda"
  start_secret_hash = "0000000000000000000000000000000000000000000000000000000000000000"
}

run "half_configured_domain_is_rejected" {
  command = plan

  variables {
    hosted_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  expect_failures = [var.meeting_hostname]
}

run "bad_secret_hash_is_rejected" {
  command = plan

  variables {
    start_secret_hash = "not-a-sha256"
  }

  expect_failures = [var.start_secret_hash]
}

# --- Fargate Spot: X86_64 only (ECS guide, fargate-capacity-providers) ---------------------------

run "fargate_spot_with_arm64_is_rejected" {
  command = plan

  variables {
    use_fargate_spot  = true
    task_architecture = "ARM64"
  }

  expect_failures = [var.use_fargate_spot]
}

run "fargate_spot_with_x86_64_plans" {
  command = plan

  variables {
    use_fargate_spot  = true
    task_architecture = "X86_64"
  }

  assert {
    condition     = var.use_fargate_spot && var.task_architecture == "X86_64"
    error_message = "Fargate Spot on X86_64 must be accepted."
  }
}

# --- Fargate CPU/memory pairs (ECS guide, task-cpu-memory-error) ---------------------------------

run "memory_above_the_cpu_range_is_rejected" {
  command = plan

  variables {
    task_cpu    = 1024
    task_memory = 16384 # 1024 CPU: 2048-8192
  }

  expect_failures = [var.task_memory]
}

run "memory_below_the_cpu_range_is_rejected" {
  command = plan

  variables {
    task_cpu    = 4096
    task_memory = 4096 # 4096 CPU: 8192-30720
  }

  expect_failures = [var.task_memory]
}

run "memory_off_the_step_is_rejected" {
  command = plan

  variables {
    task_cpu    = 8192
    task_memory = 17408 # 8192 CPU: 16384-61440 in 4096 steps
  }

  expect_failures = [var.task_memory]
}

run "largest_and_smallest_fargate_sizes_plan" {
  command = plan

  variables {
    task_cpu    = 16384
    task_memory = 122880
  }

  assert {
    condition     = contains(local.fargate_memory_mib["16384"], 122880) && contains(local.fargate_memory_mib["1024"], 2048) && contains(local.fargate_memory_mib["4096"], 30720)
    error_message = "The Fargate table must include the ends of each range."
  }
}

# --- name: the NLB name <name>-meeting must pass CreateLoadBalancer's rules ------------------------

run "name_that_makes_an_internal_nlb_name_is_rejected" {
  command = plan

  variables {
    name = "internal-jitsi"
  }

  expect_failures = [var.name]
}

run "name_that_makes_a_33_character_nlb_name_is_rejected" {
  command = plan

  variables {
    name = "jitsi-on-demand-abcdefghi" # 25 characters: jitsi-on-demand-abcdefghi-meeting has 33
  }

  expect_failures = [var.name]
}

run "name_with_other_characters_is_rejected" {
  command = plan

  variables {
    name = "jitsi_demo"
  }

  expect_failures = [var.name]
}

run "name_beginning_with_a_hyphen_is_rejected" {
  command = plan

  variables {
    name = "-jitsi"
  }

  expect_failures = [var.name]
}

run "longest_valid_name_plans" {
  command = plan

  variables {
    name = "jitsi-on-demand-abcdefgh" # 24 characters: the NLB name has exactly 32
  }

  assert {
    condition     = length(local.load_balancer_name) == 32 && local.lambda_environment.LOAD_BALANCER_NAME == "jitsi-on-demand-abcdefgh-meeting"
    error_message = "A 24-character name gives a 32-character NLB name, which CreateLoadBalancer accepts."
  }
}

# --- jitsi_secrets: only the two secrets the images read at stable-11031 --------------------------

run "retired_jitsi_secret_is_rejected" {
  command = plan

  variables {
    jitsi_secrets = { JIGASI_XMPP_PASSWORD = "a-jigasi-password-0123456789" }
  }

  expect_failures = [var.jitsi_secrets]
}

run "jitsi_secret_with_a_space_or_quote_is_rejected" {
  command = plan

  variables {
    jitsi_secrets = { JVB_AUTH_PASSWORD = "a long password with \"quotes\"" }
  }

  expect_failures = [var.jitsi_secrets]
}

run "jitsi_secret_of_letters_and_digits_plans" {
  command = plan

  variables {
    jitsi_secrets = { JVB_AUTH_PASSWORD = "Abcdefgh0123456789" }
  }

  assert {
    condition     = length(var.jitsi_secrets) == 1
    error_message = "A password of 16+ letters and digits must be accepted."
  }
}

# --- Reserved concurrency of the public functions (Lambda API, PutFunctionConcurrency) -----------

run "public_functions_get_reserved_concurrency_and_task_state_none" {
  command = plan

  assert {
    condition = (
      module.lambda["start-meeting"].reserved_concurrency == 3 &&
      module.lambda["stop-meeting"].reserved_concurrency == 3 &&
      module.lambda["task-state"].reserved_concurrency == -1
    )
    error_message = "start-meeting and stop-meeting (public URLs) are capped at 3 instances; task-state is not reserved."
  }
}

run "no_reservation_for_accounts_with_a_low_quota" {
  command = plan

  variables {
    public_function_concurrency = null
  }

  assert {
    condition     = module.lambda["start-meeting"].reserved_concurrency == -1
    error_message = "null means no reservation."
  }
}

run "a_reservation_of_one_is_rejected" {
  command = plan

  variables {
    public_function_concurrency = 1
  }

  expect_failures = [var.public_function_concurrency]
}
