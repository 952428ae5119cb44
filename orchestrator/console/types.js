/**
 * The API's JSON shapes as the console reads them, for the type-check only (JSDoc typedefs:
 * nothing here runs, and no module imports this file at run time).
 *
 * Written by hand from the TypeBox schemas, which are the source of truth: orchestrator/schemas.ts
 * (titles), orchestrator/routes/artwork-view.ts (artwork) and orchestrator/fill-plans/schemas.ts
 * (fill plans). They cannot be imported here: their modules pull in server code that needs Node's
 * types, which browser code is checked without. Keep the two in step when a schema changes.
 */

// Titles: orchestrator/schemas.ts

/** @typedef {'uploading' | 'queued' | 'analyzing' | 'encoding' | 'packaging' | 'ready' | 'failed'} TitleState */

/** @typedef {{ code: string, message: string }} CodedError An error as a title or artwork reports it */

/**
 * A rung of a title's ladder: target (fixed ladder) or predicted (per-title) bitrate and quality.
 * @typedef {object} Rung
 * @property {number} width
 * @property {number} height
 * @property {number} bitrateKbps
 * @property {number} [crf]
 * @property {number} [predictedPsnrDb]
 * @property {number} [predictedSsim]
 */

/**
 * One sampled size × CRF of a per-title analysis, averaged over the sample windows.
 * @typedef {object} RdPoint
 * @property {number} width
 * @property {number} height
 * @property {number} crf
 * @property {number} bitrateKbps
 * @property {number} psnrY
 * @property {number} ssim
 */

/**
 * @typedef {object} LadderAnalysis
 * @property {'per-title' | 'fixed'} policy
 * @property {string} [fallbackReason]
 * @property {RdPoint[]} [points] Every sampled size × CRF
 * @property {RdPoint[]} [hull] Upper convex hull of PSNR-Y over log-bitrate
 * @property {number} [bdRateVsFixed] BD-rate (PSNR-Y) against the fixed ladder, percent; negative is a saving
 * @property {string[]} [notes]
 * @property {number} [sampledS]
 * @property {number} [analysisS]
 */

/**
 * A packaged rendition, with what was measured of it.
 * @typedef {object} Rendition
 * @property {string} id
 * @property {'video' | 'audio'} kind
 * @property {number} [width]
 * @property {number} [height]
 * @property {string} codecs
 * @property {number} [targetBitrateKbps]
 * @property {number} averageBitrateKbps
 * @property {number} peakBitrateKbps
 * @property {number} segmentCount
 * @property {number} [measuredPsnrDb]
 * @property {number} [measuredSsim]
 */

/**
 * @typedef {object} RungQuality
 * @property {'pending' | 'measured' | 'failed'} status
 * @property {string} [reason]
 * @property {{ startFrame: number, endFrame: number }[]} [frames]
 * @property {number} [frameStep]
 */

/**
 * @typedef {object} QueuePlace
 * @property {number} jobsAhead Jobs of other titles a free worker takes before this title's next job
 * @property {number} jobsWaiting This title's own jobs waiting for a worker
 */

/**
 * `GET /v1/titles/:id`, and each entry of the title list.
 * @typedef {object} TitleView
 * @property {string} id
 * @property {string} name
 * @property {TitleState} state
 * @property {number} progress 0–100
 * @property {string} createdAt
 * @property {string} updatedAt
 * @property {number} [durationS]
 * @property {{ key: string, sizeBytes: number, sha256?: string }} [source]
 * @property {Rung[]} [ladder]
 * @property {LadderAnalysis} [ladderAnalysis]
 * @property {Rendition[]} [renditions]
 * @property {RungQuality} [rungQuality]
 * @property {Record<string, number>} cpuS CPU seconds by job type
 * @property {CodedError} [error]
 * @property {'high' | 'normal' | 'low'} [priority] How urgently its chunks are encoded
 * @property {QueuePlace} [queue] Its place in the queue, while it has jobs waiting for a worker
 * @property {string} [hls] Multivariant playlist URL path, once ready
 * @property {string} [dash] DASH MPD URL path, once ready
 */

/** `GET /v1/titles`. @typedef {{ total: number, titles: TitleView[] }} TitleList */

/** The body of every 4xx/5xx answer. @typedef {{ statusCode: number, code: string, error: string, message: string }} ErrorBody */

// Artwork: orchestrator/routes/artwork-view.ts

/**
 * @typedef {object} ArtworkImage
 * @property {'hero' | 'poster' | 'tile'} shape hero 16:9, poster 2:3, tile 1:1
 * @property {string} aspect
 * @property {'avif' | 'webp' | 'jpeg'} format
 * @property {number} widthPx
 * @property {number} heightPx
 * @property {string} contentType
 * @property {number} bytes
 * @property {string} url Path on this API
 */

/**
 * @typedef {object} ArtworkCandidate
 * @property {number} atS Seconds from the first video frame
 * @property {number} sceneIndex
 * @property {number} score 0–1, 0 when rejected
 * @property {Record<string, number>} [parts]
 * @property {{ reason: string, detail: string }} [rejected]
 * @property {boolean} offered
 * @property {boolean} chosen
 * @property {number} [rank] Shortlist position, 0 = best
 * @property {boolean} pinned
 * @property {boolean} primary
 * @property {ArtworkImage[]} images
 * @property {string} [imageError]
 */

/**
 * @typedef {{ kind: 'candidate', atS: number, pinned: boolean, images: ArtworkImage[] }
 *   | { kind: 'custom', pinned: boolean, images: ArtworkImage[] }} ArtworkPrimary
 */

/**
 * `GET /v1/titles/:id/artwork`, 200: the title's artwork once computed.
 * @typedef {object} ArtworkView
 * @property {string} titleId
 * @property {'ready' | 'no-usable-frame' | 'failed'} status
 * @property {string} version
 * @property {string} generatedAt
 * @property {'no-usable-frame'} [flag]
 * @property {string} [reason]
 * @property {CodedError} [error]
 * @property {ArtworkPrimary | null} primary
 * @property {ArtworkCandidate[]} candidates
 * @property {{ widthPx: number, heightPx: number, uploadedAt: string, images: ArtworkImage[] }} [custom]
 * @property {string[]} [warnings]
 */

/** `GET /v1/titles/:id/artwork`, 202: not computed yet. @typedef {{ titleId: string, status: 'pending', titleState: string }} ArtworkPending */

// Fill plans: orchestrator/fill-plans/schemas.ts (and cdn-planner/types.ts for the stats)

/** @typedef {'proposed' | 'approved' | 'rejected' | 'superseded'} FillPlanState */

/**
 * A fill plan without its schedule: the list's entries, and the answer to approve and reject.
 * @typedef {object} FillPlanMeta
 * @property {string} id
 * @property {FillPlanState} state
 * @property {string} createdAt
 * @property {string} at The plan instant
 * @property {string} [decidedAt]
 * @property {string} [supersededBy]
 * @property {string} [supersedes]
 * @property {{ titles: number, files: number, source: 'request' | 'storage' }} catalog
 * @property {{ fills: number, fillBytes: number, evictions: number, placements: number }} totals
 * @property {{ keyId: string, keyName: string, at: string }[]} [approvals] The keys that approved it so far
 */

/** `GET /v1/fill-plans`. @typedef {{ plans: FillPlanMeta[], approved?: string }} FillPlanList */

/** A daily fill window, local HH:MM in `tz` (an end before the start crosses midnight). @typedef {{ start: string, end: string, tz: string }} FillWindow */

/** One occurrence of a fill window, as UTC instants. @typedef {{ startAt: string, endAt: string }} WindowOccurrence */

/**
 * An appliance the plan was computed for.
 * @typedef {object} Appliance
 * @property {string} id
 * @property {string} cluster
 * @property {string} region
 * @property {number} capacityBytes
 * @property {number} fillGbps
 * @property {number} [serveGbps]
 * @property {FillWindow} fillWindow
 * @property {'active' | 'draining' | 'down'} state
 * @property {string} [baseUrl]
 * @property {WindowOccurrence[]} windowOccurrences Every occurrence of its window over the plan's span
 */

/** A fill of one appliance's schedule. @typedef {{ key: string, bytes: number, startAt: string, endAt: string, source: string }} ScheduledFill */

/**
 * One appliance's schedule: evictions, then fills, in order.
 * @typedef {object} ApplianceSchedule
 * @property {string[]} evictions Keys to delete before the first fill
 * @property {ScheduledFill[]} fills
 * @property {number} bytesToFill
 * @property {string} [firstFillAt]
 * @property {string} [lastFillEndAt]
 */

/**
 * The per-cluster figures of a plan (cdn-planner/types.ts ClusterStats).
 * @typedef {object} ClusterStats
 * @property {string} cluster
 * @property {string} region
 * @property {number} activeAppliances
 * @property {number} capacityBytes
 * @property {number} placedBytes
 * @property {number} placedFiles
 * @property {number} replicatedFiles
 * @property {number} filesLeftAtOrigin
 * @property {number} bytesToFill
 * @property {number} bytesFromOrigin
 * @property {number} fills
 * @property {number} evictions
 * @property {number} windowHoursUsed
 * @property {number} fillDays
 * @property {number} predictedDemandBytes
 * @property {number} expectedOffload Fraction of the cluster's demand served by its appliances
 * @property {number} peakToMeanLoad
 * @property {number} peakToMeanBytes
 * @property {number} peakApplianceGbps
 */

/**
 * The planner's stats (cdn-planner/types.ts PlanStats).
 * @typedef {object} PlanStats
 * @property {string} at
 * @property {string[]} notes
 * @property {string} model
 * @property {number} loadFactor
 * @property {ClusterStats[]} clusters
 * @property {number} unscheduled
 */

/**
 * @typedef {object} PlanBody
 * @property {Record<string, string[]>} placements Appliance id to the keys placed on it
 * @property {{ applianceId: string, key: string, bytes: number, startAt: string, endAt: string, source: string }[]} fills
 * @property {{ applianceId: string, key: string }[]} evictions
 * @property {Record<string, Record<string, number>>} [shares]
 * @property {PlanStats} [stats] The schema declares it `unknown`; the planner writes PlanStats, which the console reads
 *   defensively (`stats?.clusters`)
 */

/**
 * `GET /v1/fill-plans/:id`.
 * @typedef {FillPlanMeta & {
 *   appliances?: Appliance[],
 *   summary: string,
 *   plan: PlanBody,
 *   schedule: Record<string, ApplianceSchedule>,
 * }} FillPlanView
 */

export {};
