//! The AWS managed policies that Lambda setups attach, with their current
//! documents, default versions and dates as AWS publishes them (the AWS
//! Managed Policy reference). Ids are fixed so that they stay the same
//! across restarts and accounts, as AWS's do.

pub(crate) struct AwsPolicy {
    pub name: &'static str,
    pub path: &'static str,
    pub id: &'static str,
    pub description: &'static str,
    pub version: &'static str,
    pub created: &'static str,
    pub updated: &'static str,
    pub document: &'static str,
}

impl AwsPolicy {
    pub fn arn(&self) -> String {
        format!("arn:aws:iam::aws:policy{}{}", self.path, self.name)
    }
}

macro_rules! statement {
    ($actions:expr) => {
        concat!(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["#,
            $actions,
            r#"], "Resource": "*"}]}"#
        )
    };
}

pub(crate) const POLICIES: &[AwsPolicy] = &[
    AwsPolicy {
        name: "AdministratorAccess",
        path: "/",
        id: "ANPAIWMBCKSKIEE64ZLYK",
        description: "Provides full access to AWS services and resources.",
        version: "v1",
        created: "2015-02-06T18:39:46Z",
        updated: "2015-02-06T18:39:46Z",
        document: r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
    },
    AwsPolicy {
        name: "AWSLambdaBasicExecutionRole",
        path: "/service-role/",
        id: "ANPAJNCQGXC42545SKXIK",
        description: "Provides write permissions to CloudWatch Logs.",
        version: "v1",
        created: "2015-04-09T15:03:43Z",
        updated: "2015-04-09T15:03:43Z",
        document: statement!(r#""logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents""#),
    },
    AwsPolicy {
        name: "AWSLambdaDynamoDBExecutionRole",
        path: "/service-role/",
        id: "ANPAIP7WNAGMIPYNW4WQG",
        description: "Provides list and read access to DynamoDB streams and write permissions to CloudWatch logs.",
        version: "v1",
        created: "2015-04-09T15:09:29Z",
        updated: "2015-04-09T15:09:29Z",
        document: statement!(r#""dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams", "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents""#),
    },
    AwsPolicy {
        name: "AWSLambdaKinesisExecutionRole",
        path: "/service-role/",
        id: "ANPAJHOLKJPXV4GBRMJUQ",
        description: "Provides list and read access to Kinesis streams and write permissions to CloudWatch logs.",
        version: "v2",
        created: "2015-04-09T15:14:16Z",
        updated: "2018-11-19T20:09:24Z",
        document: statement!(r#""kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards", "kinesis:ListStreams", "kinesis:SubscribeToShard", "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents""#),
    },
    AwsPolicy {
        name: "AWSLambdaSQSQueueExecutionRole",
        path: "/service-role/",
        id: "ANPAJFWJZI6JNND4TSELK",
        description: "Provides receive message, delete message, and read attribute access to SQS queues, and write permissions to CloudWatch logs.",
        version: "v1",
        created: "2018-06-14T21:50:45Z",
        updated: "2018-06-14T21:50:45Z",
        document: statement!(r#""sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents""#),
    },
    AwsPolicy {
        name: "AWSLambdaVPCAccessExecutionRole",
        path: "/service-role/",
        id: "ANPAJVTME3YLVNL72YR2K",
        description: "Provides minimum permissions for a Lambda function to execute while accessing a resource within a VPC - create, describe, delete network interfaces and write permissions to CloudWatch Logs. ",
        version: "v3",
        created: "2016-02-11T23:15:26Z",
        updated: "2024-01-05T22:38:53Z",
        document: r#"{"Version": "2012-10-17", "Statement": [{"Sid": "AWSLambdaVPCAccessExecutionPermissions", "Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"], "Resource": "*"}]}"#,
    },
    AwsPolicy {
        name: "AWSXRayDaemonWriteAccess",
        path: "/",
        id: "ANPAIOE47HSUE5AVBNEDM",
        description: "Allow the AWS X-Ray Daemon to relay raw trace segments data to the service's API and retrieve sampling data (rules, targets, etc.) to be used by the X-Ray SDK.",
        version: "v2",
        created: "2018-08-28T23:00:33Z",
        updated: "2024-02-13T21:58:19Z",
        document: r#"{"Version": "2012-10-17", "Statement": [{"Sid": "AWSXRayDaemonWriteAccess", "Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"], "Resource": ["*"]}]}"#,
    },
    // AWS's ReadOnlyAccess names the read actions of every AWS service (a
    // document of thousands of actions, revised often); this is the part of
    // it for the services laminar serves, with AWS's id, name, path,
    // description and creation date. Its version is laminar's own.
    AwsPolicy {
        name: "ReadOnlyAccess",
        path: "/",
        id: "ANPAILL3HVNFSB6DCOWYQ",
        description: "Provides read-only access to AWS services and resources.",
        version: "v1",
        created: "2015-02-06T18:39:48Z",
        updated: "2015-02-06T18:39:48Z",
        document: statement!(r#""dynamodb:BatchGetItem", "dynamodb:Describe*", "dynamodb:Get*", "dynamodb:List*", "dynamodb:Query", "dynamodb:Scan", "iam:Generate*", "iam:Get*", "iam:List*", "iam:Simulate*", "kinesis:Describe*", "kinesis:Get*", "kinesis:List*", "lambda:Get*", "lambda:List*", "logs:Describe*", "logs:FilterLogEvents", "logs:Get*", "logs:ListTagsForResource", "logs:ListTagsLogGroup", "logs:StartQuery", "logs:StopQuery", "logs:TestMetricFilter", "s3:Describe*", "s3:Get*", "s3:List*", "sns:Check*", "sns:Get*", "sns:List*", "sqs:Get*", "sqs:List*", "sqs:Receive*", "sts:GetAccessKeyInfo", "sts:GetCallerIdentity", "sts:GetSessionToken""#),
    },
];

/// The AWS managed policy with this ARN.
pub(crate) fn find(arn: &str) -> Option<&'static AwsPolicy> {
    POLICIES.iter().find(|p| p.arn() == arn)
}

#[cfg(test)]
mod tests {
    #[test]
    fn documents_are_valid_identity_policies() {
        for policy in super::POLICIES {
            crate::document::validate(policy.document, crate::document::Kind::Identity)
                .unwrap_or_else(|e| panic!("{}: {e}", policy.name));
        }
    }
}
