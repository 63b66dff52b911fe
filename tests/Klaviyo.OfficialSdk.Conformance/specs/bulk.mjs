import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apis, completedJob, email } from '../lib/klaviyo.mjs';

const { profiles, lists } = apis();

test('bulkImportProfiles: job, job list, its profiles, its lists and a failed row with its original payload', async () => {
  const list = await lists.createList({ data: { type: 'list', attributes: { name: 'Imported' } } });
  const taken = email('taken');
  const other = email('other');
  await profiles.createProfile({ data: { type: 'profile', attributes: { email: taken } } });
  await profiles.createProfile({ data: { type: 'profile', attributes: { email: other, externalId: `ext-${other}` } } });
  const good = [email('imp1'), email('imp2')];
  const accepted = await profiles.bulkImportProfiles({
    data: {
      type: 'profile-bulk-import-job',
      attributes: {
        profiles: {
          data: [
            ...good.map((address) => ({ type: 'profile', attributes: { email: address } })),
            // identifiers of two different profiles: this row fails
            { type: 'profile', attributes: { email: taken, externalId: `ext-${other}` } },
          ],
        },
      },
      relationships: { lists: { data: [{ type: 'list', id: list.body.data.id }] } },
    },
  });
  assert.equal(accepted.response.status, 202);
  const jobId = accepted.body.data.id;

  const job = await completedJob(profiles, jobId);
  assert.equal(job.attributes.totalCount, 3);
  assert.equal(job.attributes.completedCount, 2);
  assert.equal(job.attributes.failedCount, 1);

  const jobs = await profiles.getBulkImportProfilesJobs({ filter: 'equals(status,"complete")', sort: '-created_at' });
  assert.ok(jobs.body.data.some((j) => j.id === jobId));

  const imported = await profiles.getProfilesForBulkImportProfilesJob(jobId);
  assert.deepEqual(imported.body.data.map((p) => p.attributes.email).sort(), [...good].sort());

  const jobLists = await profiles.getListForBulkImportProfilesJob(jobId);
  assert.deepEqual(jobLists.body.data.map((l) => l.id), [list.body.data.id]);

  const errors = await profiles.getErrorsForBulkImportProfilesJob(jobId);
  assert.equal(errors.body.data.length, 1);
  assert.equal(errors.body.data[0].attributes.originalPayload.attributes.email, taken);
});
