-- Each version's plugin contract version (`kiln:plugin@<contract>`), as the host found it from
-- the component's exports at publish. Every version published before this migration was built
-- against 0.1.0, the only contract there was, so existing rows take that; publishes always
-- write it.
ALTER TABLE versions ADD COLUMN contract TEXT NOT NULL DEFAULT '0.1.0';
