import { bindItemReaders } from '../../../local/step-functions';

describe('binding a Distributed Map ItemReader for the local runner', () => {
  const states = {
    Prepare: {
      Type: 'Task',
      Resource: 'arn:fn',
      Next: 'Shards',
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Shards' }],
    },
    Shards: {
      Type: 'Map',
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { Bucket: 'b', 'Key.$': '$.key' },
      },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED' },
        StartAt: 'One',
        States: { One: { Type: 'Pass', End: true } },
      },
      End: true,
    },
  };

  it('inserts a reader task before the map and redirects every transition to it', () => {
    const readers = new Map();
    const bound = bindItemReaders(structuredClone(states), 'Prepare', readers);
    expect(bound.startAt).toBe('Prepare');
    expect(bound.states['Prepare']?.['Next']).toBe('Shards (ItemReader)');
    expect(bound.states['Prepare']?.['Catch'][0].Next).toBe('Shards (ItemReader)');
    expect(bound.states['Shards (ItemReader)']).toMatchObject({ Type: 'Task', Next: 'Shards' });
    expect(bound.states['Shards']).toMatchObject({ ItemsPath: '$.__tailorItems' });
    expect(bound.states['Shards']).not.toHaveProperty('ItemReader');
    expect(readers.get('Shards (ItemReader)')).toEqual(states.Shards.ItemReader);
  });

  it('lets the Catch of the map handle a failing reader, as a failing Map state would be', () => {
    const withCatch = { ...states.Shards, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }] };
    const bound = bindItemReaders(structuredClone({ Shards: withCatch }), 'Shards', new Map());
    expect(bound.states['Shards (ItemReader)']?.['Catch']).toEqual(withCatch.Catch);
  });

  it('starts at the reader when the map is the first state', () => {
    const bound = bindItemReaders(structuredClone({ Shards: states.Shards }), 'Shards', new Map());
    expect(bound.startAt).toBe('Shards (ItemReader)');
  });
});
