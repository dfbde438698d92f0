import { App } from 'aws-cdk-lib';
import { buildTailorApp } from '../lib/app';

const app = new App();
buildTailorApp(app);
app.synth();
