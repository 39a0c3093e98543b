/// <reference path="./interfaces/kiln-plugin-data.d.ts" />
/// <reference path="./interfaces/kiln-plugin-guest.d.ts" />
/// <reference path="./interfaces/kiln-plugin-log.d.ts" />
/// <reference path="./interfaces/kiln-plugin-types.d.ts" />
declare module 'kiln:plugin/plugin@0.2.0' {
  export type * as KilnPluginData020 from 'kiln:plugin/data@0.2.0'; // import kiln:plugin/data@0.2.0
  export type * as KilnPluginLog020 from 'kiln:plugin/log@0.2.0'; // import kiln:plugin/log@0.2.0
  export type * as KilnPluginTypes020 from 'kiln:plugin/types@0.2.0'; // import kiln:plugin/types@0.2.0
  export * as guest from 'kiln:plugin/guest@0.2.0'; // export kiln:plugin/guest@0.2.0
}
