import { Field, GraphQLISODateTime, ID, ObjectType } from '@nestjs/graphql';
import type { SessionView } from 'nest-qsessions';
import { deviceDetails, deviceTypeLabel } from '../views/format.js';

/** One of the signed-in user's sessions, as `mySessions` lists it (what a "Your sessions" card shows). */
@ObjectType({ description: 'One of your sessions: a browser signed in to your account.' })
export class DeviceSession {
  @Field(() => ID, { description: 'Its public id (the SHA-256 of its key), which revokeSession takes.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'The name you gave this device ("Work laptop").' })
  label!: string | null;

  @Field(() => String, { description: 'Browser and platform in a few words: "Chrome on Windows".' })
  device!: string;

  @Field(() => String, { description: 'Browser and OS versions: "Chrome 124 · Windows 10".' })
  details!: string;

  @Field(() => String, { description: '"Desktop", "Phone", "Tablet"...' })
  deviceType!: string;

  @Field(() => String, { nullable: true })
  ip!: string | null;

  @Field(() => String, { nullable: true, description: 'Approximate, from the IP address: "City, Country".' })
  location!: string | null;

  @Field(() => GraphQLISODateTime, { description: 'When it signed in.' })
  createdAt!: Date;

  @Field(() => GraphQLISODateTime, { description: 'When it was last used.' })
  lastActive!: Date;

  @Field(() => Boolean, { description: 'Whether it is the session of this request.' })
  current!: boolean;
}

/** The GraphQL shape of a session of `SessionService.list()`. */
export function toDeviceSession(view: SessionView): DeviceSession {
  return {
    id: view.id,
    label: view.label,
    device: view.device.summary,
    details: deviceDetails(view.device),
    deviceType: deviceTypeLabel(view.device),
    ip: view.ip,
    location: view.location,
    createdAt: view.createdAt,
    lastActive: view.lastActive,
    current: view.current,
  };
}
