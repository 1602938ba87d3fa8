import { Module } from '@nestjs/common';
import { PopulatorRunner } from './populator.runner';

/** The clickhouse-populator service: the consumer loop from the entity topics into ClickHouse. */
@Module({ providers: [PopulatorRunner] })
export class ClickHousePopulatorModule {}
