//! A table's stored definition and the `TableDescription` DynamoDB answers
//! with; the checks CreateTable and UpdateTable make beyond the model's.

use crate::error::{DynamoError, DynamoResult};
use crate::types::{
    AttributeDefinition, GlobalSecondaryIndex, KeySchemaElement, LocalSecondaryIndex,
    ProvisionedThroughput, StreamSpecification,
};
use crate::Caller;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub(crate) const PROVISIONED: &str = "PROVISIONED";
pub(crate) const PAY_PER_REQUEST: &str = "PAY_PER_REQUEST";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TableDef {
    pub table_id: String,
    pub creation_date_time: f64,
    pub attribute_definitions: Vec<AttributeDefinition>,
    pub key_schema: Vec<KeySchemaElement>,
    pub billing_mode: String,
    pub provisioned_throughput: Option<ProvisionedThroughput>,
    pub last_update_to_pay_per_request: Option<f64>,
    pub local_secondary_indexes: Vec<LocalSecondaryIndex>,
    pub global_secondary_indexes: Vec<GlobalSecondaryIndex>,
    pub stream_specification: Option<StreamSpecification>,
    pub latest_stream_label: Option<String>,
    pub deletion_protection_enabled: bool,
    pub table_class: Option<String>,
}

/// The table's key attributes: (hash name, its type), and the range key's.
pub(crate) struct KeyShape {
    pub hash: (String, String),
    pub range: Option<(String, String)>,
}

impl TableDef {
    pub fn key_shape(&self) -> KeyShape {
        self.shape_of(&self.key_schema)
    }

    /// The key shape of a key schema (the table's or an index's).
    pub fn shape_of(&self, schema: &[KeySchemaElement]) -> KeyShape {
        let typed = |name: &str| {
            let kind = self
                .attribute_definitions
                .iter()
                .find(|d| d.attribute_name == name)
                .map(|d| d.attribute_type.clone())
                .unwrap_or_else(|| "S".into());
            (name.to_string(), kind)
        };
        let of = |kind: &str| {
            schema
                .iter()
                .find(|k| k.key_type == kind)
                .map(|k| typed(&k.attribute_name))
        };
        KeyShape {
            hash: of("HASH").unwrap_or_else(|| typed("")),
            range: of("RANGE"),
        }
    }

    /// Key attribute names of the table and every index, for the
    /// "AttributeDefinitions are not used" check.
    fn used_attributes(&self) -> Vec<&str> {
        let mut used: Vec<&str> = Vec::new();
        let schemas = std::iter::once(&self.key_schema)
            .chain(self.local_secondary_indexes.iter().map(|i| &i.key_schema))
            .chain(self.global_secondary_indexes.iter().map(|i| &i.key_schema));
        for schema in schemas {
            for key in schema {
                if !used.contains(&key.attribute_name.as_str()) {
                    used.push(&key.attribute_name);
                }
            }
        }
        used
    }

    /// Every check on a definition as CreateTable or UpdateTable leaves it.
    pub fn check(&self) -> DynamoResult<()> {
        check_key_schema(&self.key_schema)?;
        let defined: Vec<&str> = self
            .attribute_definitions
            .iter()
            .map(|d| d.attribute_name.as_str())
            .collect();
        let used = self.used_attributes();
        let undefined: Vec<&str> = used
            .iter()
            .copied()
            .filter(|u| !defined.contains(u))
            .collect();
        if !undefined.is_empty() {
            return Err(DynamoError::invalid_parameter(format!(
                "Some index key attributes are not defined in AttributeDefinitions. Keys: [{}], AttributeDefinitions: [{}]",
                undefined.join(", "),
                defined.join(", ")
            )));
        }
        if defined.len() != used.len() {
            let no_indexes =
                self.local_secondary_indexes.is_empty() && self.global_secondary_indexes.is_empty();
            return Err(DynamoError::invalid_parameter(if no_indexes {
                "Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions".to_string()
            } else {
                format!(
                    "Some AttributeDefinitions are not used. AttributeDefinitions: [{}], keys used: [{}]",
                    defined.join(", "),
                    used.join(", ")
                )
            }));
        }
        let mut names: Vec<&str> = Vec::new();
        for lsi in &self.local_secondary_indexes {
            check_key_schema(&lsi.key_schema)?;
            if self.key_shape().range.is_none() {
                return Err(DynamoError::invalid_parameter(
                    "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex",
                ));
            }
            if lsi.key_schema.len() != 2
                || lsi.key_schema[0].attribute_name != self.key_shape().hash.0
            {
                return Err(DynamoError::invalid_parameter(format!(
                    "Index KeySchema does not have the same leading hash key as table KeySchema for index: {}. index hash key: {}, table hash key: {}",
                    lsi.index_name, lsi.key_schema[0].attribute_name, self.key_shape().hash.0
                )));
            }
            names.push(&lsi.index_name);
        }
        for gsi in &self.global_secondary_indexes {
            check_key_schema(&gsi.key_schema)?;
            match (self.billing_mode.as_str(), &gsi.provisioned_throughput) {
                (PROVISIONED, None) => {
                    return Err(DynamoError::invalid_parameter(format!(
                        "ProvisionedThroughput should not be null for index: {}",
                        gsi.index_name
                    )))
                }
                (PAY_PER_REQUEST, Some(_)) => {
                    return Err(DynamoError::invalid_parameter(
                        "ProvisionedThroughput should not be specified for index: ".to_string()
                            + &gsi.index_name
                            + " when BillingMode is PAY_PER_REQUEST",
                    ))
                }
                _ => {}
            }
            names.push(&gsi.index_name);
        }
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                return Err(DynamoError::invalid_parameter(format!(
                    "Duplicate index name: {name}"
                )));
            }
        }
        if let Some(stream) = &self.stream_specification {
            if stream.stream_enabled && stream.stream_view_type.is_none() {
                return Err(DynamoError::validation(
                    "StreamSpecification: StreamViewType is required when StreamEnabled is true",
                ));
            }
        }
        Ok(())
    }

    /// The `TableDescription` of this table, with its live item count and size.
    pub fn describe(&self, caller: Caller<'_>, name: &str, status: &str, counts: &Counts) -> Value {
        let arn = caller.table_arn(name);
        let throughput = |p: Option<ProvisionedThroughput>| {
            let p = p.unwrap_or(ProvisionedThroughput {
                read_capacity_units: 0,
                write_capacity_units: 0,
            });
            json!({
                "NumberOfDecreasesToday": 0,
                "ReadCapacityUnits": p.read_capacity_units,
                "WriteCapacityUnits": p.write_capacity_units,
            })
        };
        let mut d = json!({
            "AttributeDefinitions": self.attribute_definitions,
            "TableName": name,
            "KeySchema": self.key_schema,
            "TableStatus": status,
            "CreationDateTime": self.creation_date_time,
            "ProvisionedThroughput": throughput(self.provisioned_throughput),
            "TableSizeBytes": counts.table.1,
            "ItemCount": counts.table.0,
            "TableArn": arn,
            "TableId": self.table_id,
            "DeletionProtectionEnabled": self.deletion_protection_enabled,
        });
        if self.billing_mode == PAY_PER_REQUEST {
            d["BillingModeSummary"] = json!({
                "BillingMode": PAY_PER_REQUEST,
                "LastUpdateToPayPerRequestDateTime":
                    self.last_update_to_pay_per_request.unwrap_or(self.creation_date_time),
            });
        } else if self.last_update_to_pay_per_request.is_some() {
            d["BillingModeSummary"] = json!({
                "BillingMode": PROVISIONED,
                "LastUpdateToPayPerRequestDateTime": self.last_update_to_pay_per_request,
            });
        }
        let index_counts = |name: &str| {
            counts
                .indexes
                .iter()
                .find(|(n, _, _)| n == name)
                .map(|(_, c, s)| (*c, *s))
                .unwrap_or((0, 0))
        };
        if !self.local_secondary_indexes.is_empty() {
            let lsis: Vec<Value> = self
                .local_secondary_indexes
                .iter()
                .map(|i| {
                    let (count, size) = index_counts(&i.index_name);
                    json!({
                        "IndexName": i.index_name,
                        "KeySchema": i.key_schema,
                        "Projection": i.projection,
                        "IndexSizeBytes": size,
                        "ItemCount": count,
                        "IndexArn": format!("{arn}/index/{}", i.index_name),
                    })
                })
                .collect();
            d["LocalSecondaryIndexes"] = Value::Array(lsis);
        }
        if !self.global_secondary_indexes.is_empty() {
            let gsis: Vec<Value> = self
                .global_secondary_indexes
                .iter()
                .map(|i| {
                    let (count, size) = index_counts(&i.index_name);
                    json!({
                        "IndexName": i.index_name,
                        "KeySchema": i.key_schema,
                        "Projection": i.projection,
                        "IndexStatus": "ACTIVE",
                        "ProvisionedThroughput": throughput(i.provisioned_throughput),
                        "IndexSizeBytes": size,
                        "ItemCount": count,
                        "IndexArn": format!("{arn}/index/{}", i.index_name),
                    })
                })
                .collect();
            d["GlobalSecondaryIndexes"] = Value::Array(gsis);
        }
        if let Some(stream) = self
            .stream_specification
            .as_ref()
            .filter(|s| s.stream_enabled)
        {
            d["StreamSpecification"] = json!(stream);
        }
        if let Some(label) = &self.latest_stream_label {
            d["LatestStreamLabel"] = json!(label);
            d["LatestStreamArn"] = json!(format!("{arn}/stream/{label}"));
        }
        if let Some(class) = &self.table_class {
            d["TableClassSummary"] = json!({ "TableClass": class });
        }
        d
    }
}

/// (item count, size in bytes) of the table and of each index by name.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    pub table: (i64, i64),
    pub indexes: Vec<(String, i64, i64)>,
}

/// A key schema is a HASH key, then at most one RANGE key, on two
/// different attributes (the model bounds its length to 1..=2).
fn check_key_schema(schema: &[KeySchemaElement]) -> DynamoResult<()> {
    if schema.first().is_some_and(|k| k.key_type != "HASH") {
        return Err(DynamoError::validation(
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
        ));
    }
    if let Some(second) = schema.get(1) {
        if second.key_type != "RANGE" {
            return Err(DynamoError::validation(
                "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type",
            ));
        }
        if second.attribute_name == schema[0].attribute_name {
            return Err(DynamoError::validation(
                "Both the Hash Key and the Range Key element in the KeySchema have the same name",
            ));
        }
    }
    Ok(())
}

/// The throughput a billing mode takes, as CreateTable and UpdateTable check it.
pub(crate) fn check_billing(
    mode: &str,
    throughput: Option<ProvisionedThroughput>,
) -> DynamoResult<()> {
    match (mode, throughput) {
        (PROVISIONED, None) => Err(DynamoError::invalid_parameter(
            "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
        )),
        (PAY_PER_REQUEST, Some(_)) => Err(DynamoError::invalid_parameter(
            "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
        )),
        _ => Ok(()),
    }
}

/// A stream label: the creation time of the stream, to the millisecond, UTC.
pub(crate) fn stream_label() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3f")
        .to_string()
}
