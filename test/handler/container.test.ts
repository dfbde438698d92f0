import { objects, port, profileStore, settings, tables, workflows } from '../../functions/container';
import { DynamoTable } from '../../functions/shared/adapters/dynamo-table';
import { resetClients } from '../../functions/shared/clients';
import { resetConfig } from '../../functions/shared/config';

const saved = { ...process.env };
beforeEach(() => {
  Object.assign(process.env, { OPERATIONS_TABLE: 'ops', PROFILES_TABLE: 'profiles', DATA_BUCKET: 'data' });
  delete process.env['CAMPAIGNS_TABLE'];
  delete process.env['CAMPAIGN_STATE_MACHINE_ARN'];
  resetConfig();
  resetClients();
});
afterAll(() => {
  process.env = saved;
  resetConfig();
  resetClients();
});

describe('the composition root', () => {
  it('builds each port once per container and hands the same one to every caller', () => {
    const first = tables.operations();
    expect(first).toBeInstanceOf(DynamoTable);
    expect((first as DynamoTable).tableName).toBe('ops');
    expect(tables.operations()).toBe(first);
    expect(profileStore()).toBe(profileStore());
    expect(objects().bucket).toBe('data');
  });

  it('builds a port only when it is first used', () => {
    const build = jest.fn(() => ({ built: true }));
    const lazy = port(build);
    expect(build).not.toHaveBeenCalled();
    lazy();
    lazy();
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('rebuilds every port after the configuration is reset (the local runtime re-pointing endpoints)', () => {
    const before = tables.operations();
    process.env['OPERATIONS_TABLE'] = 'ops-2';
    resetConfig();
    const after = tables.operations() as DynamoTable;
    expect(after).not.toBe(before);
    expect(after.tableName).toBe('ops-2');
    expect(settings().OPERATIONS_TABLE).toBe('ops-2');
  });

  it('rebuilds after the SDK clients are reset', () => {
    const before = objects();
    resetClients();
    expect(objects()).not.toBe(before);
  });

  it('names the missing setting when a function reaches for a resource it was not given', () => {
    expect(() => tables.campaigns()).toThrow('CAMPAIGNS_TABLE is not set for this function');
    expect(() => workflows.campaign()).toThrow('CAMPAIGN_STATE_MACHINE_ARN is not set for this function');
  });
});
