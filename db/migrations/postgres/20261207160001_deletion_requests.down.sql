DROP TABLE deletion_requests;
