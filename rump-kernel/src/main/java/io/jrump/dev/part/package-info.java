/**
 * Partition tables (MBR and GPT) read from a block device as untrusted input, and a partition
 * seen as a block device of its own. Exported to the file systems and the CLI.
 */
package io.jrump.dev.part;
