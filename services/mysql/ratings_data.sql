-- The seed of examples-bookinfo-mysqldb (run once, on an empty data directory, by the
-- official image's entrypoint) and of the local mysqldb (`bookinfo apply -f
-- platform/kube/bookinfo-mysql.yaml`, run on every start, hence IF NOT EXISTS / IGNORE).
--
-- Upstream's data, unchanged: ratings v2, ours and upstream's, reads `Rating` of the
-- first two rows of test.ratings as Reviewer1 and Reviewer2.
CREATE DATABASE IF NOT EXISTS test;
USE test;
CREATE TABLE IF NOT EXISTS ratings (
  ReviewID INT NOT NULL,
  Rating INT,
  PRIMARY KEY (ReviewID)
);
INSERT IGNORE INTO ratings (ReviewID, Rating) VALUES (1, 5), (2, 4);
-- Ours: the ratings POSTed to ratings v2, one row per product (documented in
-- services/ratings/ratings/databases/schema.py). ratings creates it too when it is
-- missing, as it is from upstream's image.
CREATE TABLE IF NOT EXISTS product_ratings (
  product_id VARCHAR(320) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  ratings_json MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (product_id)
) ENGINE=InnoDB;
