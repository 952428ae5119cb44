/**
 * What `cropdetect=limit=0.094118:round=2:reset=1:skip=0,metadata=mode=print` wrote for
 * keyframes of generated 1920x1080 masters (ffmpeg 5.1, testsrc2 padded with black), verbatim.
 * The probe's pixel test (`buildCropDetectArgs`: `maskfun` before `cropdetect=limit=0.003922`)
 * writes the same edges for these masters: their bars have no pixel above black.
 */

/** 2.39:1 (1920x804) letterboxed at y=138; the first keyframe is the black start of a fade-in. */
export const SCOPE_WITH_FADE_IN = `
frame:0    pts:0       pts_time:0
lavfi.cropdetect.x1=1919
lavfi.cropdetect.x2=0
lavfi.cropdetect.y1=1079
lavfi.cropdetect.y2=0
lavfi.cropdetect.w=-1918
lavfi.cropdetect.h=-1078
lavfi.cropdetect.x=1920
lavfi.cropdetect.y=1080
frame:1    pts:12800   pts_time:1
lavfi.cropdetect.x1=0
lavfi.cropdetect.x2=1919
lavfi.cropdetect.y1=138
lavfi.cropdetect.y2=941
lavfi.cropdetect.w=1920
lavfi.cropdetect.h=804
lavfi.cropdetect.x=0
lavfi.cropdetect.y=138
frame:2    pts:25600   pts_time:2
lavfi.cropdetect.x1=0
lavfi.cropdetect.x2=1919
lavfi.cropdetect.y1=138
lavfi.cropdetect.y2=941
lavfi.cropdetect.w=1920
lavfi.cropdetect.h=804
lavfi.cropdetect.x=0
lavfi.cropdetect.y=138
`;

/** 4:3 (1440x1080) pillarboxed at x=240. */
export const PILLARBOX_4_3 = `
frame:0    pts:0       pts_time:0
lavfi.cropdetect.x1=240
lavfi.cropdetect.x2=1679
lavfi.cropdetect.y1=0
lavfi.cropdetect.y2=1079
lavfi.cropdetect.w=1440
lavfi.cropdetect.h=1080
lavfi.cropdetect.x=240
lavfi.cropdetect.y=0
frame:1    pts:12800   pts_time:1
lavfi.cropdetect.x1=240
lavfi.cropdetect.x2=1679
lavfi.cropdetect.y1=0
lavfi.cropdetect.y2=1079
lavfi.cropdetect.w=1440
lavfi.cropdetect.h=1080
lavfi.cropdetect.x=240
lavfi.cropdetect.y=0
`;

/** 16:9 with 6 dark rows on top, 4 at the bottom and 10 dark columns on the left: noise, not bars. */
export const EDGE_NOISE = `
frame:0    pts:0       pts_time:0
lavfi.cropdetect.x1=10
lavfi.cropdetect.x2=1919
lavfi.cropdetect.y1=6
lavfi.cropdetect.y2=1075
lavfi.cropdetect.w=1910
lavfi.cropdetect.h=1070
lavfi.cropdetect.x=10
lavfi.cropdetect.y=6
`;

/** 16:9 picture to every edge. */
export const FULL_FRAME = `
frame:0    pts:0       pts_time:0
lavfi.cropdetect.x1=0
lavfi.cropdetect.x2=1919
lavfi.cropdetect.y1=0
lavfi.cropdetect.y2=1079
lavfi.cropdetect.w=1920
lavfi.cropdetect.h=1080
lavfi.cropdetect.x=0
lavfi.cropdetect.y=0
`;

/**
 * Debian's xine-ui_logo.mpg (xine-ui 0.99.14: a chrome logo mid-frame and a URL under it, on black,
 * 600x450 MPEG-2), its three keyframes as the probe reads them (`buildCropDetectArgs`, ffmpeg 5.1),
 * verbatim: the picture's edges, then the filled lines.
 */
export const XINE_LOGO_EDGES = `
frame:0    pts:0       pts_time:0
timecode=00:00:00:12
lavfi.cropdetect.x1=23
lavfi.cropdetect.x2=573
lavfi.cropdetect.y1=169
lavfi.cropdetect.y2=429
lavfi.cropdetect.w=550
lavfi.cropdetect.h=260
lavfi.cropdetect.x=24
lavfi.cropdetect.y=170
frame:1    pts:43200   pts_time:0.48
timecode=00:00:00:24
lavfi.cropdetect.x1=22
lavfi.cropdetect.x2=574
lavfi.cropdetect.y1=169
lavfi.cropdetect.y2=429
lavfi.cropdetect.w=552
lavfi.cropdetect.h=260
lavfi.cropdetect.x=22
lavfi.cropdetect.y=170
frame:2    pts:86400   pts_time:0.96
lavfi.cropdetect.x1=22
lavfi.cropdetect.x2=574
lavfi.cropdetect.y1=169
lavfi.cropdetect.y2=429
lavfi.cropdetect.w=552
lavfi.cropdetect.h=260
lavfi.cropdetect.x=22
lavfi.cropdetect.y=170
`;

export const XINE_LOGO_FILLED = `
frame:0    pts:0       pts_time:0
timecode=00:00:00:12
lavfi.cropdetect.x=600
lavfi.cropdetect.x1=599
lavfi.cropdetect.x2=0
lavfi.cropdetect.y1=169
lavfi.cropdetect.y2=278
lavfi.cropdetect.w=-598
lavfi.cropdetect.h=108
lavfi.cropdetect.y=170
frame:1    pts:43200   pts_time:0.48
timecode=00:00:00:24
lavfi.cropdetect.x=600
lavfi.cropdetect.x1=599
lavfi.cropdetect.x2=0
lavfi.cropdetect.y1=169
lavfi.cropdetect.y2=278
lavfi.cropdetect.w=-598
lavfi.cropdetect.h=108
lavfi.cropdetect.y=170
frame:2    pts:86400   pts_time:0.96
lavfi.cropdetect.x=600
lavfi.cropdetect.x1=599
lavfi.cropdetect.x2=0
lavfi.cropdetect.y1=169
lavfi.cropdetect.y2=278
lavfi.cropdetect.w=-598
lavfi.cropdetect.h=108
lavfi.cropdetect.y=170
`;
