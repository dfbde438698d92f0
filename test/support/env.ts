// Tests read their own output, not the service log: silence it unless asked for.
process.env['POWERTOOLS_LOG_LEVEL'] ??= 'SILENT';
process.env['AWS_REGION'] ??= 'us-east-1';
