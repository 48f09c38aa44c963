/**
 * `@async-timer/lease/testing`: the contract suite any `LeaseStore` must pass (ours are
 * checked with it against real PostgreSQL and Redis), and a TCP proxy that partitions a process
 * from its engine. The suite needs `fast-check` (an optional peer dependency).
 *
 * @example
 * ```ts
 * import { checkContract, contractNames } from "@async-timer/lease/testing";
 *
 * describe("my etcd lease store", () => {
 *   for (const name of contractNames) it(name, () => checkContract(name, () => etcdStore(client)));
 * });
 * ```
 *
 * @module
 */
export {
  ContractError,
  type ContractName,
  type ContractOptions,
  checkContract,
  contractNames,
} from "./contract.js";
export { type TcpProxy, tcpProxy } from "./proxy.js";
