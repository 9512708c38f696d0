//! The dated price table kept next to this crate (`prices-us-east-1.json`), or one given with `--prices`.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// The table the binary was built with, so `make cost` works from any directory.
pub const BUILT_IN: &str = include_str!("../prices-us-east-1.json");
pub const BUILT_IN_NAME: &str = "pricing/prices-us-east-1.json";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    pub region: String,
    pub as_of: String,
    pub source: String,
    pub prices: Prices,
    pub free_tier: FreeTier,
}

/// One price with what it is per and where it comes from.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub usd: f64,
    pub per: String,
    pub source: String,
}

/// A share taken off another price.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discount {
    pub fraction: f64,
    pub per: String,
    pub source: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prices {
    pub nlb_hour: Price,
    pub nlcu_hour: Price,
    pub public_ipv4_hour: Price,
    pub fargate_arm64_vcpu_hour: Price,
    pub fargate_arm64_gb_hour: Price,
    pub fargate_x86_64_vcpu_hour: Price,
    pub fargate_x86_64_gb_hour: Price,
    pub fargate_spot_discount: Discount,
    pub lambda_million_requests: Price,
    pub lambda_arm64_gb_second: Price,
    pub lambda_x86_64_gb_second: Price,
    pub cloudwatch_thousand_metrics_requested: Price,
    pub cloudwatch_logs_ingested_gb: Price,
    pub cloudwatch_logs_stored_gb_month: Price,
    pub cloudwatch_metric_month: Price,
    pub route53_hosted_zone_month: Price,
    pub data_transfer_out_gb: Price,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreeTier {
    pub source: String,
    pub lambda_requests: f64,
    pub lambda_gb_seconds: f64,
    pub data_transfer_out_gb: f64,
    pub cloudwatch_logs_gb: f64,
}

impl PriceTable {
    pub fn built_in() -> Self {
        Self::parse(BUILT_IN, BUILT_IN_NAME).expect("the built-in price table parses (checked by a test)")
    }

    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the price table {}: {e}", path.display()))?;
        Self::parse(&text, &path.display().to_string())
    }

    fn parse(text: &str, name: &str) -> Result<Self, String> {
        let table: Self = serde_json::from_str(text).map_err(|e| format!("price table {name}: {e}"))?;
        if !(0.0..1.0).contains(&table.prices.fargate_spot_discount.fraction) {
            return Err(format!(
                "price table {name}: fargate_spot_discount must be a fraction below 1"
            ));
        }
        Ok(table)
    }
}
