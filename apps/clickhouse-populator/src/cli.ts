import 'reflect-metadata';
import { registerPopulatorCommands } from '@mch/feature-clickhouse-populator';
import { createCliProgram, runCliProgram } from '@mch/util-cli';
import { POPULATOR_PROGRAM } from './program';

// The one-shot commands only (historical load, snapshot/restore of the analytics tables); main.ts
// (the image's entry point) runs the same ones besides the service.
const program = createCliProgram({ ...POPULATOR_PROGRAM, name: 'clickhouse-populator-cli' });
registerPopulatorCommands(program);
void runCliProgram(program);
