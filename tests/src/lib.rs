//! A local stand-in for AWS: moto serves the APIs, and this crate plays the parts of AWS that
//! moto does not (the ECS service scheduler, EventBridge delivery, flow metrics). The functions
//! under test talk to it through the real SDK and cannot tell it from AWS.

pub mod harness;
pub mod http_client;
pub mod inventory;
pub mod invoke;
pub mod lambda;
pub mod local_aws;
pub mod pebble;
pub mod scheduler;
pub mod stack;
pub mod webhook;
pub mod world;
