import { Module } from '@nestjs/common';
import { ChangeStreamerRunner } from './change-streamer.runner';
import { KafkaMigratorController } from './kafka-migrator.controller';

@Module({ controllers: [KafkaMigratorController], providers: [ChangeStreamerRunner] })
export class KafkaMigratorModule {}
