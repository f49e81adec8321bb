DROP TABLE IF EXISTS visibility_counts;
