//! The services laminar answers on its one port.

use crate::enforce::Enforcer;
use laminar_cloudwatch::CloudWatchService;
use laminar_dynamodb::DynamoService;
use laminar_events::EventsService;
use laminar_iam::IamService;
use laminar_kinesis::KinesisService;
use laminar_lambda::LambdaService;
use laminar_logs::LogsService;
use laminar_s3::S3Service;
use laminar_sns::SnsService;
use laminar_sqs::SqsService;

/// Every service laminar answers on its one port. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub lambda: LambdaService,
    pub sqs: SqsService,
    pub logs: LogsService,
    pub kinesis: KinesisService,
    pub dynamodb: DynamoService,
    pub s3: S3Service,
    pub iam: IamService,
    /// Set in the enforcing mode (`--iam enforce`).
    pub enforcer: Option<Enforcer>,
    pub sns: SnsService,
    pub events: EventsService,
    pub cloudwatch: CloudWatchService,
}
