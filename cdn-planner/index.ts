/** Public surface of the CDN fill planner: pure functions from plain data to plain data. */
export * from './errors.ts';
export type * from './types.ts';
export {
  validateAppliances,
  validateCatalog,
  validateHoldings,
  validateViewRecord,
  parseViewLines,
  parseJsonLine,
  expectInstant,
  expectHttpUrl,
} from './validate.ts';
export { indexCatalog, type CatalogIndex } from './catalog-index.ts';
export { DAY_MS, HOUR_MS } from './units.ts';
export { aggregateViews, createDemandAggregator, type DemandHistory, type RegionHistory, type DemandAggregator } from './demand.ts';
export { exponentialSmoothingModel, type PopularityModel, type Forecast, type RegionForecast, type SmoothingOptions } from './predict.ts';
export { buildRing, hashKeys, keyHash, type Ring } from './ring.ts';
export {
  DEFAULT_LOAD_FACTOR,
  placeCluster,
  rankByDensity,
  type ClusterPlacement,
  type CurrentHoldings,
  type PlacementOptions,
} from './placement.ts';
export { scheduleFills, type Schedule, type ScheduleOptions } from './schedule.ts';
export { zoneClock, windowOccurrences } from './zone.ts';
export { planFill, planFromHistory, type PlanOptions, type PlanInput, type PlanDetail } from './plan.ts';
export { steeringTable, steer, pickWeighted, hintHash, type SteeringTable, type Holder } from './steer.ts';
export { levelTraffic, waterFill, type TrafficShares } from './shares.ts';
export { formatSummary } from './summary.ts';
