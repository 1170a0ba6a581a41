/** A class decorated with TypeORM's `@Entity()`: the app's own user entity. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type UserEntityClass = Function;

let registered: UserEntityClass | undefined;

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
  return registered;
}
