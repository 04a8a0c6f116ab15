import type { RedisConnection } from './redis-connection.js';

/** A Lua script as a function of its keys and arguments. */
export type LuaCommand = (...keysAndArgs: string[]) => Promise<unknown>;

/**
 * A Lua script registered on the connection with ioredis's `defineCommand`: sent by its SHA
 * (EVALSHA), and in full only when Redis does not know it yet (after a restart, say). Why: EVAL
 * sends the whole script text with every call, which on the intake path cost more than the work.
 * Defining a name twice on one connection (two trackers on it) keeps the first definition.
 */
export function luaCommand(redis: RedisConnection, name: string, numberOfKeys: number, lua: string): LuaCommand {
  const commands = redis as unknown as Record<string, LuaCommand | undefined>;
  if (typeof commands[name] !== 'function') redis.defineCommand(name, { numberOfKeys, lua });
  const command = commands[name]!;
  return (...keysAndArgs) => command.apply(redis, keysAndArgs);
}
