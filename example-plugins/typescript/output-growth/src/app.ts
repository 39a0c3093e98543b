// The bundle's entry: the component's `guest` export, running OutputGrowth.
import { exportPlugin } from "@kiln/sdk/guest";
import { OutputGrowth } from "./output-growth";

/** The `kiln:plugin/guest` export. */
export const guest = exportPlugin(OutputGrowth);
