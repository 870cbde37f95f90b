export { createRedisClient } from './redis.js';
