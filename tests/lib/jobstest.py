"""jobstest - what the jobs-api tests and benchmark share.

create_jobs_table: the jobs table as workers/jobs-api/README.md describes
it (key id, GSI status-scheduled_for projecting everything), on any
DynamoDB a boto3 client points at (moto, dynalite)."""


def create_jobs_table(ddb, name):
    """Creates table `name` with boto3 DynamoDB client ddb."""
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "scheduled_for", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{
            "IndexName": "status-scheduled_for",
            "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"},
                          {"AttributeName": "scheduled_for",
                           "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}}],
        BillingMode="PAY_PER_REQUEST")
