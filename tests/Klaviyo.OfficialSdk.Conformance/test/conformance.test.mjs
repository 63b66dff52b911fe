// One process for every spec: loading the official SDK takes seconds, so it is loaded once.
import '../specs/profiles.mjs';
import '../specs/events.mjs';
import '../specs/bulk.mjs';
import '../specs/lists.mjs';
import '../specs/subscriptions.mjs';
import '../specs/deletion.mjs';
import '../specs/errors.mjs';
