/** A class decorated with TypeORM's `@Entity()`: the app's own user entity. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type UserEntityClass = Function;

let registered: UserEntityClass | undefined;
/**
 * The entity of the last QSessionsModule registration, until a DataSource reads it. A second
 * registration with another entity before then would silently become the target of every
 * DataSource about to start (the first registration's included), so it is refused.
 */
let unread: UserEntityClass | undefined;

/**
 * Tells the `QSession` entity which entity its `user` relation points to. `QSessionsModule`
 * calls this with the `userEntity` option; call it yourself only for a TypeORM DataSource built
 * outside Nest (a migrations or CLI data source file) before that DataSource initialises.
 *
 * One process serves one user entity: TypeORM resolves the relation target once, when a
 * DataSource builds its metadata.
 */
export function setQSessionUserEntity(entity: UserEntityClass): void {
  if (typeof entity !== 'function') {
    throw new TypeError(
      'nest-qsessions: `userEntity` must be your TypeORM user entity class (for example `userEntity: User`), ' +
        `but it is ${entity === null ? 'null' : typeof entity}.`,
    );
  }
  registered = entity;
  // An explicit call says which entity is meant from here on; a QSessionsModule registration it
  // contradicts is caught when that app starts (its DataSource's QSession points elsewhere).
  unread = undefined;
}

/**
 * Registers the `userEntity` of a QSessionsModule registration (forRoot()/forRootAsync()). Unlike
 * setQSessionUserEntity(), refuses a different entity while the previous registration's has not
 * been read by any DataSource yet: both registrations then belong to apps not started, and one
 * relation target cannot serve both. Once a DataSource has read it, a new entity is a new app in
 * the same process (a test suite starting one app after another), and replaces it.
 */
export function registerModuleUserEntity(entity: UserEntityClass): void {
  if (unread !== undefined && typeof entity === 'function' && entity !== unread) {
    throw new Error(
      `nest-qsessions: QSessionsModule is registered twice with different user entities: \`userEntity: ${entityName(unread)}\`, ` +
        `then \`userEntity: ${entityName(entity)}\`. Every session row has one foreign key to one user table, so an app ` +
        'has one user entity: give the same `userEntity` to every QSessionsModule.forRoot()/forRootAsync(), or register ' +
        'the module once (it is global by default) and import that registration where it is needed.',
    );
  }
  setQSessionUserEntity(entity);
  unread = entity;
}

/** A class's name for a message (an anonymous class has none). */
export function entityName(entity: UserEntityClass | string): string {
  if (typeof entity === 'string') return entity;
  return entity.name || 'an anonymous class';
}

/** The registered user entity; called lazily by TypeORM when it builds QSession's metadata. */
export function resolveQSessionUserEntity(): UserEntityClass {
  if (!registered) {
    throw new Error(
      'nest-qsessions: the QSession entity does not know your user entity. Import ' +
        'QSessionsModule.forRoot({ userEntity: User, ... }) in your app module, or call ' +
        'setQSessionUserEntity(User) before initialising a DataSource built outside Nest.',
    );
  }
  unread = undefined;
  return registered;
}
