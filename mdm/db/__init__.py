"""The database plumbing of the hot path, behind one door. Domain code uses what is named here
and nothing below it; the rules after the list are the contract that keeps ingestion fast.

- `writers`: the named writers of the hub's tables (`source_records_write`,
  `cross_references_write`, `golden_records_write`, `outbox_messages_write`, …); other apps name
  theirs over `bulk.rows_write` (matching's `blocking_keys_write`, quality's `violations_write`).
- `bulk`: rows of a model written with one converter per column — COPY on PostgreSQL, multi-row
  INSERT on SQLite — plus `reserve_ids` (ids drawn before the first write) and `delete_rows`.
- `copy_line`: `copies_overlapped()`, the helper thread that runs a round's COPYs while Python
  works out the next rows.
- `collector`: `paused()`, the cyclic garbage collector kept off a batch's objects.
- `reader_process`: `batches_from_child`, reading and preparing in a forked second process.
- `planner_statistics`: `statistics_refresh` (ANALYZE what a bulk load outgrew), `serial_plans`.
- `pattern_indexes`: migrations dropping Django's unused `*_like` indexes.
- `lookups`: `column__any=[...]`, a long list of values bound as one parameter.

The rules (docs/architecture.md, "Which rules keep the hot path fast"):
1. Domain code never writes COPY, SQL or positional rows: it calls a named writer with rows keyed
   by the model's attribute names. Columns come from the model, so a new field needs no change.
2. A round reads everything before it writes. Inside `copies_overlapped` any statement waits for
   the COPYs handed over before it; a read between two writes makes the writer idle.
3. Configuration is read once per batch, before the first write, into the frozen
   `mdm.configuration.BatchConfiguration`, and handed down (survivorship, outbox, matcher,
   quality). Code in a round never reads configuration itself.
4. Ids a round needs are drawn ahead (`reserve_ids`), not read back after an insert.
5. Long lists of values go in as one parameter (`__any`), never as `__in` chunks.
6. A batch runs with the collector paused; what crosses from the reading process is picklable
   without help from its types (the reader names the exception types it carries whole).
7. Writers keep the planner's statistics up (`statistics_refresh`) for the tables they grow,
   once a batch, before the batch writes.
"""
