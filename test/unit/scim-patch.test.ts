/**
 * The SCIM PATCH engine and filter parsing on their own: the shapes Entra ID and Okta send
 * (operation names in any case, dotted and URN keys in path-less values, string booleans, filters in
 * paths that match nothing yet, removes with and without values) and what is refused.
 */
import { applyPatch, parsePath, patchSchema } from '../../src/provisioning/patch.js';
import { parseFilter } from '../../src/provisioning/filter.js';
import { parseUser } from '../../src/provisioning/user-resource.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const base = { userName: 'a@x.test', active: true, emails: [{ type: 'work', value: 'a@x.test', primary: true }], roles: [{ value: 'r1' }] };
const ops = (...operations: unknown[]) => patchSchema.parse({ Operations: operations }).Operations;

test('path-less values: dotted keys, URN keys, the enterprise object, string booleans', () => {
  const doc = applyPatch(
    base,
    ops({
      op: 'Replace',
      value: {
        'name.givenName': 'Ann',
        [`${ENTERPRISE}:department`]: 'Ops',
        [ENTERPRISE]: { employeeNumber: '7' },
        active: 'False',
        id: 'ignored',
      },
    }),
  );
  expect(parseUser(doc)).toMatchObject({
    name: { givenName: 'Ann' },
    active: false,
    [ENTERPRISE]: { department: 'Ops', employeeNumber: '7' },
  });
  expect(doc.id).toBeUndefined();
});

test('filters in paths: replace of a sub-attribute, an element the filter describes, removes', () => {
  const added = applyPatch(base, ops({ op: 'add', path: 'emails[type eq "home"].value', value: 'h@x.test' }));
  expect(added.emails).toEqual([...base.emails, { type: 'home', value: 'h@x.test' }]);
  const replaced = applyPatch(added, ops({ op: 'replace', path: 'Emails[Type eq "WORK"].Value', value: 'b@x.test' }));
  expect((replaced.emails as any[])[0]).toEqual({ type: 'work', value: 'b@x.test', primary: true });
  expect(applyPatch(added, ops({ op: 'remove', path: 'emails[type eq "home"]' })).emails).toEqual(base.emails);
  expect(applyPatch(base, ops({ op: 'remove', path: 'roles', value: [{ value: 'R1' }] })).roles).toEqual([]);
  expect(applyPatch(base, ops({ op: 'add', path: 'roles', value: [{ value: 'r1' }, { value: 'r2' }] })).roles).toEqual([
    { value: 'r1' },
    { value: 'r2' },
  ]);
  expect(applyPatch(base, ops({ op: 'remove', path: 'roles' })).roles).toBeUndefined();
  expect(() => applyPatch(base, ops({ op: 'replace', path: 'emails[type co "w"].value', value: 'x' }))).not.toThrow();
  expect(() => applyPatch(base, ops({ op: 'replace', path: 'emails[value co "zzz"].value', value: 'x' }))).toThrow(/no emails matches/);
});

test('paths and filters refused with the right scimType', () => {
  expect(() => parsePath('urn:example:custom:attr')).toThrow(expect.objectContaining({ scimType: 'invalidPath' }));
  expect(() => applyPatch(base, ops({ op: 'replace', path: 'meta', value: {} }))).toThrow(
    expect.objectContaining({ scimType: 'mutability' }),
  );
  expect(() => applyPatch(base, ops({ op: 'replace', path: 'userName[value eq "x"]', value: 'y' }))).toThrow(
    expect.objectContaining({ scimType: 'invalidPath' }),
  );
  expect(() => parseFilter('a eq "b" and '.repeat(60) + 'a eq "b"')).toThrow(expect.objectContaining({ scimType: 'invalidFilter' }));
  expect(() => parseFilter('x'.repeat(2001))).toThrow(expect.objectContaining({ scimType: 'invalidFilter' }));
  expect(parseFilter('Emails[Type eq "work"].Value eq "A"')).toEqual({
    op: '[]',
    attrPath: 'emails',
    valFilter: {
      op: 'and',
      filters: [
        { op: 'eq', attrPath: 'type', compValue: 'work' },
        { op: 'eq', attrPath: 'value', compValue: 'A' },
      ],
    },
  });
});

test('a value made primary is the only primary one: the others lose it (RFC 7644 §3.5.2, regression)', () => {
  // Okta and Entra add the new address as primary; it was kept next to the old primary, which
  // stayed the person's sign-in address.
  const added = applyPatch(base, ops({ op: 'add', path: 'emails', value: [{ type: 'work', value: 'new@x.test', primary: 'True' }] }));
  expect(added.emails).toEqual([
    { type: 'work', value: 'a@x.test', primary: false },
    { type: 'work', value: 'new@x.test', primary: 'True' },
  ]);
  expect(parseUser(added).emails!.filter((e) => e.primary)).toEqual([{ type: 'work', value: 'new@x.test', primary: true }]);
  const pathless = applyPatch(base, ops({ op: 'add', value: { emails: [{ value: 'home@x.test', type: 'home', primary: true }] } }));
  expect((pathless.emails as any[]).map((e) => [e.value, e.primary])).toEqual([
    ['a@x.test', false],
    ['home@x.test', true],
  ]);
  const byFilter = applyPatch(added, ops({ op: 'replace', path: 'emails[value eq "a@x.test"].primary', value: true }));
  expect((byFilter.emails as any[]).map((e) => [e.value, e.primary])).toEqual([
    ['a@x.test', true],
    ['new@x.test', false],
  ]);
  // A value added without primary leaves the primary one alone.
  const plain = applyPatch(base, ops({ op: 'add', path: 'emails', value: [{ type: 'home', value: 'h@x.test' }] }));
  expect((plain.emails as any[]).map((e) => [e.value, e.primary])).toEqual([
    ['a@x.test', true],
    ['h@x.test', undefined],
  ]);
});
